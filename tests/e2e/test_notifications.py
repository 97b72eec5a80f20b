"""Notifications in a real browser: a readings reminder appears with a badge on the phone's
folded menu, is opened and so read, and the badge goes; a subscription switched off in the
profile stops that e-mail."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from kabinet.billing.models import Account
from kabinet.identity.models import User
from kabinet.notifications import rules, services
from kabinet.notifications.models import Kind, Notification
from tests.e2e.conftest import log_in
from tests.factories import make_account, make_link, make_meter, make_supplier

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Secret-Pass-2024x"
EMAIL = "notify-e2e@example.org"


@pytest.fixture
def account(settings: Any) -> Account:
    settings.NOTIFICATIONS_QUIET_START = settings.NOTIFICATIONS_QUIET_END = 0  # any hour
    customer = User.objects.create_user(
        username="notify-e2e",
        password=PASSWORD,
        email=EMAIL,
        email_confirmed_at=timezone.now(),
        last_name="Кузнецова",
        first_name="Анна",
    )
    # A window open the whole month, so the reminder is due whatever day the test runs.
    supplier = make_supplier(short_name="Энергосбыт", readings_first_day=1, readings_last_day=31)
    account = make_account(supplier, number="7007001")
    make_link(customer, account)
    make_meter(account)
    return account


def wait_until(condition: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_readings_reminder_is_opened_and_its_badge_clears(page: Page, account: Account) -> None:
    assert services.raise_notifications(rules.readings_window(timezone.now())) == 1
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, EMAIL, PASSWORD)
    page.wait_for_url("**/")

    # The menu is folded on a phone: the badge sits on its toggler.
    badge = page.locator("#toggler-unread")
    expect(badge).to_be_visible()
    expect(badge).to_contain_text("1")
    page.goto(f"/accounts/{account.pk}/notifications/")
    notice = page.locator("details.notification")
    expect(notice).to_have_count(1)
    expect(notice.get_by_text("Открыт приём показаний")).to_be_hidden()  # collapsed

    notice.locator("strong").click()

    expect(notice.get_by_text("Открыт приём показаний")).to_be_visible()
    # The action sits with the text, not in the summary, where a link is unreachable to a
    # screen reader (axe: nested-interactive).
    expect(notice.get_by_role("link", name="Передать показания")).to_be_visible()
    expect(page.locator("#toggler-unread")).to_be_hidden()
    wait_until(lambda: Notification.objects.filter(read_at__isnull=False).exists())
    page.reload()
    expect(page.locator("#toggler-unread")).to_have_count(0)
    expect(page.locator(".notification-unread")).to_have_count(0)


def test_a_subscription_switched_off_stops_that_e_mail(page: Page, account: Account) -> None:
    log_in(page, EMAIL, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/profile/notifications/")
    new_bill = page.get_by_label("Новая квитанция: e-mail")
    expect(new_bill).to_be_checked()
    new_bill.uncheck()
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator(".messages")).to_contain_text("Настройки уведомлений сохранены.")

    user = User.objects.get(email=EMAIL)
    for kind in (Kind.NEW_BILL, Kind.DEBT):
        services.raise_notifications(
            [
                Notification(
                    user=user,
                    account=account,
                    kind=kind,
                    key="2026-11",
                    payload={"total": "100.00", "amount": "100.00", "due_date": "2026-12-25"},
                )
            ]
        )
    services.dispatch_pending()
    services.send_due_deliveries()

    wait_until(lambda: len(mail.outbox) >= 1)
    assert [m.subject for m in mail.outbox] == ["Задолженность"]
    # Both still show in the portal.
    page.goto("/notifications/")
    expect(page.locator("details.notification")).to_have_count(2)
