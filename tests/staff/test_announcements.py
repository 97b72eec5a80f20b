"""Staff announcements: written for one supplier, shown to its customers only, with progress."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from kabinet.billing.models import Supplier
from kabinet.core.audit import Action
from kabinet.core.models import AuditEntry
from kabinet.notifications.models import Announcement, Kind, Notification
from tests.factories import make_account, make_email_customer, make_link, make_supplier
from tests.staff.builders import customer_of, make_staff, staff_client

pytestmark = pytest.mark.django_db

FORM = {"topic": "outage", "title": "Отключение 10 декабря", "text": "С 9:00 до 17:00."}


def test_an_announcement_reaches_the_suppliers_customers_and_shows_its_progress(
    django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.NOTIFICATIONS_QUIET_START = settings.NOTIFICATIONS_QUIET_END = 0  # any hour
    supplier, other = make_supplier(), make_supplier()
    reader = make_email_customer()
    make_link(reader, make_account(supplier))
    customer_of(supplier)
    stranger, _link = customer_of(other)
    staff = make_staff(supplier)
    client = staff_client(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/announcements/new/", {**FORM, "supplier": supplier.pk})

    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.fanned_out_at is not None
    raised = Notification.objects.filter(announcement=announcement)
    assert raised.count() == 2
    assert not Notification.objects.filter(user=stranger).exists()
    assert [m.subject for m in mail.outbox] == ["Отключение 10 декабря"]
    assert AuditEntry.objects.filter(actor_id=staff.pk, action=Action.ANNOUNCEMENT_CREATED).exists()
    page = client.get("/staff/announcements/").content.decode()
    assert "Отключение 10 декабря" in page
    # Two customers raised, one confirmed e-mail sent.
    assert '<td class="text-end">2</td>' in page
    assert '<td class="text-end">1</td>' in page


def test_staff_cannot_announce_for_another_supplier() -> None:
    mine, theirs = make_supplier(), make_supplier()
    client = staff_client(make_staff(mine))

    response = client.post("/staff/announcements/new/", {**FORM, "supplier": theirs.pk})

    assert response.status_code == 400
    assert not Announcement.objects.exists()


def test_an_empty_announcement_is_refused_with_field_messages() -> None:
    supplier = make_supplier()
    client = staff_client(make_staff(supplier))

    response = client.post(
        "/staff/announcements/new/", {"supplier": supplier.pk, "topic": "outage", "title": ""}
    )

    assert response.status_code == 400
    assert "Укажите заголовок." in response.content.decode()


def test_staff_choose_the_kinds_their_customers_may_get_by_sms() -> None:
    supplier = make_supplier()
    client = staff_client(make_staff(supplier))
    page = client.get(f"/staff/suppliers/{supplier.pk}/")
    form = page.context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name != "sms_notification_kinds"
    }
    for name in ("link_by_code", "link_by_bill_total", "link_by_surname_flat", "readings_strict"):
        if not data.get(name):
            data.pop(name, None)
    data["readings_close_time"] = ""
    data["sms_notification_kinds"] = [Kind.READINGS_CLOSING, Kind.DEBT]

    response = client.post(f"/staff/suppliers/{supplier.pk}/", data)

    assert response.status_code == 302, response.context["form"].errors
    supplier.refresh_from_db()
    assert supplier.sms_notification_kinds == [Kind.DEBT, Kind.READINGS_CLOSING]
    assert isinstance(supplier, Supplier)
