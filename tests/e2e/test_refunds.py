"""A partial refund made by staff in the back office reaches billing in the next export."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from kabinet.identity.models import User
from kabinet.payments.models import Payment
from tests.e2e.test_payments import log_in_and_open_payment, pay_with

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ADMIN_PASSWORD = "Admin-Pass-2024x"


def exported(folder: Path, since: str, until: str) -> list[dict[str, str]]:
    call_command(
        "export_billing",
        *("--since", since, "--until", until, "--kind", "payments", "--out", str(folder)),
        stdout=StringIO(),
    )
    (path,) = folder.glob("payments_*.csv")
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines(), delimiter=";"))


def test_a_partial_refund_in_the_back_office_goes_into_the_next_export(
    page: Page, browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    log_in_and_open_payment(page)
    pay_with(page, "4111 1111 1111 1111")
    expect(page.get_by_test_id("payment-result")).to_contain_text("Успешно проведена оплата")
    payment = Payment.objects.get(status=Payment.Status.SUCCEEDED)

    # Billing takes the period's payments before the refund is made.
    exported_until = timezone.localtime()
    assert payment.paid_at is not None
    since = payment.paid_at.astimezone(exported_until.tzinfo).date().isoformat()
    first = exported(tmp_path / "first", since, exported_until.isoformat())
    assert {(r["portal_id"], r["status"]) for r in first} == {(str(payment.pk), "succeeded")}
    assert sum(Decimal(r["amount"]) for r in first) == Decimal("2084.70")

    User.objects.create_superuser("buh", "buh@example.org", ADMIN_PASSWORD)
    staff = browser.new_page(base_url=live_server.url, locale="ru-RU")
    staff.goto("/admin/login/")
    staff.get_by_label("Имя пользователя").fill("buh")
    staff.get_by_label("Пароль").fill(ADMIN_PASSWORD)
    staff.get_by_role("button", name="Войти").click()
    staff.goto(f"/admin/payments/payment/{payment.pk}/change/")
    staff.get_by_role("link", name="Вернуть деньги…").click()
    expect(staff.locator("#content")).to_contain_text("можно вернуть 2\u00a0084,70\u00a0₽")
    staff.get_by_label("Сумма возврата, ₽").fill("100,50")
    staff.get_by_role("button", name="Вернуть деньги").click()
    staff.wait_for_url(f"**/admin/payments/payment/{payment.pk}/change/")
    staff.close()

    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    after = exported(tmp_path / "next", exported_until.isoformat(), tomorrow)
    # Only the refund: the payment went in the first file, the refund comes in the next one,
    # its parts adding up to the amount staff typed.
    assert {(r["portal_id"], r["status"]) for r in after} == {(str(payment.pk), "refunded")}
    assert sum(Decimal(r["amount"]) for r in after) == Decimal("-100.50")
    assert all(r["refunded_at"] for r in after)
