"""Deleting an account deletes the person: from every table, every audit row and the disk.

What the law makes the utility keep (payment amounts and dates, readings, requests as jobs)
stays, without anything that names the person; the export made just before holds everything
the deletion then removes or strips.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kabinet.billing.services import update_link
from kabinet.core.models import AuditEntry
from kabinet.core.uploads import store_upload
from kabinet.documents.models import BillDelivery
from kabinet.identity.models import User
from kabinet.identity.services import personal_data
from kabinet.identity.services.tokens import issue_token
from kabinet.metering.models import Reading
from kabinet.payments.models import Payment
from kabinet.support import services as support
from kabinet.support.models import Appeal, ServiceRequest, SocialNormDocument
from tests.factories import (
    PASSWORD,
    file_appeal,
    file_document,
    file_request,
    make_account,
    make_bill,
    make_customer,
    make_link,
    make_meter,
    make_payment,
    make_reading,
    make_staff,
    png_upload,
)

pytestmark = pytest.mark.django_db

# Everything the person typed, and what staff wrote to or about them, carries one of these.
NAME = "Зинаид"
PHONE = "+79169990011"
EMAIL = "zina@example.org"
RECEIPT_EMAIL = "zina.receipt@example.org"
RECEIPT_PHONE = "+79169990022"
FILE_NAME = "zina-spravka.png"
MARKERS = (NAME, PHONE, PHONE[2:], EMAIL, RECEIPT_EMAIL, RECEIPT_PHONE, FILE_NAME)


@pytest.fixture
def person() -> User:
    return make_customer(
        last_name="Петрова", first_name="Зинаида", phone=PHONE, email=EMAIL, username="zina"
    )


@pytest.fixture
def life(person: User) -> dict[str, Any]:
    """A year of the person's life in the portal, with staff answering them."""
    account = make_account()
    link = make_link(person, account)
    update_link(link=link, alias="Дача Зинаиды", note="Ключи у Зинаиды")
    staff = make_staff(account.supplier)

    photo = store_upload(png_upload(FILE_NAME), folder="readings")
    reading = make_reading(make_meter(account), submitted_by=person, photo=photo.name)
    payment = make_payment(
        account, user=person, receipt_email=RECEIPT_EMAIL, receipt_phone=RECEIPT_PHONE
    )

    request = file_request(link, reason="У Зинаиды искрит розетка", files=[png_upload(FILE_NAME)])
    support.change_request_status(
        staff=staff, request=request, status="in_progress", comment="Позвонить Зинаиде утром"
    )
    appeal = file_appeal(link, text="Зинаида: где мой платёж?", files=[png_upload(FILE_NAME)])
    support.answer_appeal(
        staff=staff, appeal=appeal, text="Зинаида, платёж нашёлся", files=[png_upload(FILE_NAME)]
    )
    support.reply_to_appeal(appeal=appeal, user=person, text="Спасибо, Зинаида")
    document = file_document(link, comment="Справка Зинаиды", files=[png_upload(FILE_NAME)])
    support.review_document(
        staff=staff, document=document, accept=False, reason="Зинаида, скан нечитаем"
    )
    BillDelivery.objects.create(bill=make_bill(account), user=person)
    issue_token(user=person, label="Телефон Зинаиды")
    # A failed login typed with her phone is logged under it.
    Client().post("/login/", {"identifier": PHONE, "password": "wrong-Password-1"})
    return {"reading": reading, "payment": payment, "request": request, "account": account}


def everything_stored() -> str:
    """Every row of every Kabinet table, as text."""
    rows: list[str] = []
    for model in apps.get_models():
        if model.__module__.startswith("kabinet."):
            rows.extend(map(str, model._default_manager.values()))
    return "\n".join(rows)


def uploads() -> list[Path]:
    root = Path(settings.UPLOADS_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def delete_account(client: Client, person: User, on_commit: Callable[..., Any]) -> Any:
    client.force_login(person)
    with on_commit(execute=True):
        return client.post(
            reverse("profile:delete"), {"current_password": PASSWORD, "confirm": "on"}
        )


def test_nothing_that_names_the_person_is_left_anywhere(
    client: Client,
    person: User,
    life: dict[str, Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    stored = everything_stored()
    assert [m for m in MARKERS if m not in stored] == []  # the test data is really there
    assert len(uploads()) == 5

    response = delete_account(client, person, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    stored = everything_stored()
    left = [marker for marker in MARKERS if marker in stored]
    assert not left, f"still stored after the deletion: {left}"
    assert uploads() == []


def test_what_the_law_keeps_stays_without_the_person(
    client: Client,
    person: User,
    life: dict[str, Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    delete_account(client, person, django_capture_on_commit_callbacks)

    payment = Payment.objects.get(pk=life["payment"].pk)
    assert (payment.amount, payment.paid_at) == (
        Decimal("1000.00"),
        dt.datetime(2026, 10, 20, 9, 0, tzinfo=dt.UTC),
    )
    assert (payment.user, payment.receipt_email, payment.receipt_phone) == (None, "", "")
    reading = Reading.objects.get(pk=life["reading"].pk)
    assert (reading.values, reading.photo.name) == ([Decimal("1234.5000")], "")
    request = ServiceRequest.objects.get(pk=life["request"].pk)
    assert request.number == life["request"].number
    assert request.status == "in_progress"
    assert (request.reason, request.contact_phone) == ("", "")
    assert [event.comment for event in request.events.all()] == ["", ""]
    assert not request.attachments.exists()
    assert not Appeal.objects.exists()
    assert not SocialNormDocument.objects.exists()


def test_the_journal_keeps_the_acts_under_one_pseudonym(
    client: Client,
    person: User,
    life: dict[str, Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    own = set(AuditEntry.objects.filter(actor=person).values_list("pk", flat=True))
    failed_login = AuditEntry.objects.get(action="identity.login_failed", actor_label=PHONE)

    delete_account(client, person, django_capture_on_commit_callbacks)

    entries = AuditEntry.objects.filter(pk__in=own | {failed_login.pk})
    labels = set(entries.values_list("actor_label", flat=True))
    assert len(labels) == 1
    assert labels.pop().startswith("deleted-")
    assert not any("ip" in entry.data for entry in entries)
    assert entries.filter(action="support.appeal_created").exists()
    # Staff acts on her rows keep who did what, not what was written about her.
    staff_act = AuditEntry.objects.get(action="support.request_status_changed")
    assert staff_act.actor is not None
    assert "comment" not in staff_act.data


def test_the_export_holds_everything_the_deletion_removes(
    person: User, life: dict[str, Any]
) -> None:
    data = personal_data.export_personal_data(user=person)
    exported = json.dumps(data, ensure_ascii=False)

    assert all(marker in exported for marker in MARKERS)
    assert {
        "account_links",
        "readings",
        "payments",
        "service_requests",
        "appeals",
        "social_norm_documents",
        "bill_deliveries",
        "messages",
    } <= set(data)
    assert data["payments"][0]["amount"] == "1000.00"
    assert data["readings"][0]["has_photo"] is True
    assert [m["text"] for m in data["appeals"][0]["messages"]] == [
        "Зинаида, платёж нашёлся",
        "Спасибо, Зинаида",
    ]


def test_someone_elses_rows_are_left_alone(
    client: Client,
    person: User,
    life: dict[str, Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    neighbour = make_customer(last_name="Соседова")
    link = make_link(neighbour, life["account"])
    appeal = file_appeal(link, text="Соседка пишет", files=[png_upload("neighbour.png")])
    payment = make_payment(life["account"], user=neighbour, receipt_email="n@example.org")

    delete_account(client, person, django_capture_on_commit_callbacks)

    assert Appeal.objects.get(pk=appeal.pk).text == "Соседка пишет"
    assert Payment.objects.get(pk=payment.pk).receipt_email == "n@example.org"
    assert [p.name for p in uploads()] == [Path(appeal.attachments.get().file.name or "").name]


def test_a_refused_deletion_keeps_the_files(
    client: Client,
    person: User,
    life: dict[str, Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    client.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("profile:delete"), {"current_password": "wrong", "confirm": "on"})
    assert len(uploads()) == 5
    assert Appeal.objects.filter(user=person).exists()
