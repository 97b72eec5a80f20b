"""Staff refund a card payment in the admin; the refund reaches billing in the next export."""

from __future__ import annotations

import csv
import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from kabinet.billing.models import Account, Supplier
from kabinet.core.models import AuditEntry
from kabinet.payments.models import Payment, Refund
from tests.factories import make_customer
from tests.payments.conftest import FakeYooKassa
from tests.payments.test_receipts import paid

pytestmark = pytest.mark.django_db


def refund_url(payment: Payment) -> str:
    return reverse("admin:payments_payment_refund", args=[payment.pk])


def exported(folder: Path, since: str, until: str) -> list[dict[str, str]]:
    call_command(
        "export_billing",
        "--since",
        since,
        "--until",
        until,
        "--kind",
        "payments",
        "--out",
        str(folder),
        stdout=StringIO(),
    )
    (path,) = folder.glob("payments_*.csv")
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines(), delimiter=";"))


def test_a_partial_refund_in_the_admin_appears_in_the_next_export(
    tmp_path: Path,
    client: Client,
    client_in: Client,
    admin_client: Client,
    account: Account,
    fake_yookassa: FakeYooKassa,
    housing: Supplier,
) -> None:
    payment = paid(client, client_in, account, fake_yookassa)
    october = exported(tmp_path / "october", "2026-10-01", "2026-11-01")
    assert [row["status"] for row in october] == ["succeeded", "succeeded"]

    page = admin_client.get(reverse("admin:payments_payment_change", args=[payment.pk]))
    assert refund_url(payment) in page.content.decode()
    form = admin_client.get(refund_url(payment))
    assert "можно вернуть 2\u00a0097,04\u00a0₽" in form.content.decode()
    done = admin_client.post(refund_url(payment), {"amount": "500,00", "recipient": housing.pk})

    assert done.status_code == 302
    assert done["Location"] == reverse("admin:payments_payment_change", args=[payment.pk])
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    rows = exported(tmp_path / "next", "2026-11-01", tomorrow)
    assert [(r["portal_id"], r["recipient"], r["amount"], r["status"]) for r in rows] == [
        (str(payment.pk), housing.code, "-500.00", "refunded")
    ]
    refund = Refund.objects.get()
    assert refund.actor is not None
    assert refund.actor.is_superuser
    entry = AuditEntry.objects.get(action="payments.refund_issued")
    assert (entry.actor, entry.data["amount"]) == (refund.actor, "500.00")
    ((_key, body),) = fake_yookassa.posted_refunds()
    assert body["amount"] == {"value": "500.00", "currency": "RUB"}
    assert {i["supplier"]["inn"] for i in body["receipt"]["items"]} == {"6829123456"}


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("3000", "Укажите сумму от 0,01 до 2\u00a0097,04 ₽."),
        ("12,345", "Не больше двух знаков после запятой."),
        ("много", "Введите сумму в рублях, например 1 545,13."),
    ],
)
def test_a_wrong_amount_is_shown_next_to_the_field_and_nothing_is_refunded(
    client: Client,
    client_in: Client,
    admin_client: Client,
    account: Account,
    fake_yookassa: FakeYooKassa,
    amount: str,
    message: str,
) -> None:
    payment = paid(client, client_in, account, fake_yookassa)

    response = admin_client.post(refund_url(payment), {"amount": amount})

    assert response.status_code == 400
    assert f'<ul class="errorlist" id="id_amount_error"><li>{message}</li>' in (
        response.content.decode()
    )
    assert not fake_yookassa.posted_refunds()
    assert not Refund.objects.exists()


def test_staff_who_are_not_superusers_cannot_refund(
    client: Client,
    client_in: Client,
    account: Account,
    fake_yookassa: FakeYooKassa,
) -> None:
    payment = paid(client, client_in, account, fake_yookassa)
    viewer = make_customer()
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_payment"))
    staff = Client()
    staff.force_login(viewer)

    # The admin lets in superusers only (kabinet/staff/admin_site.py): everyone else is sent to
    # its login, the form never shows and the post refunds nothing.
    for response in (
        staff.get(refund_url(payment)),
        staff.post(refund_url(payment), {"amount": "10"}),
    ):
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    assert not Refund.objects.exists()
