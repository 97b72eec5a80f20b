"""A real browser keeps the account pages and asks about them again: 304 while nothing changed,
the new page as soon as billing's data did."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kabinet.billing import versions
from kabinet.billing.models import Account, Bill, BillSection
from tests.e2e.conftest import log_in
from tests.factories import make_account, make_bill, make_customer, make_link, make_supplier

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Secret-Pass-2024x"
PHONE = "+79161230078"


@pytest.fixture
def account() -> Account:
    customer = make_customer(phone=PHONE, password=PASSWORD)
    account = make_account(make_supplier(short_name="ТЭСК"))
    make_link(customer, account)
    make_bill(
        account,
        period=timezone.localdate().replace(day=1),
        sections=[(account.supplier, Decimal("1545.13"))],
        due_date=timezone.localdate() + dt.timedelta(days=20),
    )
    return account


def test_the_overview_is_revalidated_and_changes_with_the_bill(
    page: Page, account: Account
) -> None:
    log_in(page, PHONE, PASSWORD)
    path = f"/accounts/{account.pk}/"
    page.goto(path)
    page.goto(path)  # the CSRF cookie the first page set is part of the validator
    expect(page.get_by_test_id("balance")).to_contain_text("1\u00a0545,13")

    response = page.reload()
    assert response is not None
    assert response.request.all_headers()["if-none-match"] == response.all_headers()["etag"]
    # Chromium reports a revalidated page with the 304's headers: no body came, the page shown
    # is the one the browser kept.
    assert response.all_headers()["content-length"] == "0"
    expect(page.get_by_test_id("balance")).to_contain_text("1\u00a0545,13")

    # Billing's next load changes the bill; the import moves the account's version with it.
    Bill.objects.filter(account=account).update(total=Decimal("-2.00"))
    BillSection.objects.filter(bill__account=account).update(total=Decimal("-2.00"))
    versions.bump(account_ids=[account.pk])
    response = page.reload()
    assert response is not None
    assert int(response.all_headers()["content-length"]) > 0
    expect(page.get_by_test_id("balance")).to_contain_text("Переплата")
    expect(page.get_by_test_id("balance")).to_contain_text("2,00")
