"""The customer API tells what was paid through the portal and is not in the newest bill yet, and
offers only the rest, like the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kabinet.billing.models import Account
from kabinet.identity.models import User
from kabinet.payments.models import Payment
from tests.api.test_payments_api import API, auth, post, start_body
from tests.documents.sample import make_two_recipient_bill
from tests.factories import make_customer, make_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer() -> User:
    return make_customer(email="payer@example.ru")


@pytest.fixture
def account(customer: User) -> Account:
    account = make_two_recipient_bill().account
    make_link(customer, account)
    return account


def pay_electricity(client: Client, headers: dict[str, Any], account: Account, capture: Any) -> int:
    lines = client.get(f"{API}/accounts/{account.pk}/payment-lines", **headers).json()["lines"]
    started = post(client, f"/accounts/{account.pk}/payments", start_body(lines[:1]), headers)
    bank = started.json()["confirmation_url"].removeprefix("http://testserver")
    with capture(execute=True):  # the sandbox calls back on commit
        client.post(bank, {"card_number": "4111 1111 1111 1111", "action": "pay"})
    payment = Payment.objects.get(pk=started.json()["id"])
    assert payment.status == Payment.Status.SUCCEEDED
    return payment.pk


def test_the_overview_list_and_lines_count_a_payment_not_yet_in_the_bill(
    client: Client,
    customer: User,
    account: Account,
    django_capture_on_commit_callbacks: Any,
) -> None:
    headers = auth(customer)
    payment_id = pay_electricity(client, headers, account, django_capture_on_commit_callbacks)

    overview = client.get(f"{API}/accounts/{account.pk}", **headers).json()
    assert (overview["balance"], overview["pending"], overview["debt"]) == (
        "2097.04",
        "684.70",
        "1412.34",
    )
    [pending] = overview["pending_payments"]
    assert (pending["payment_id"], pending["amount"], pending["accounted"]) == (
        payment_id,
        "684.70",
        False,
    )
    assert overview["account"]["remaining"] == "1412.34"

    [listed] = client.get(f"{API}/accounts", **headers).json()
    assert (listed["balance"], listed["pending"], listed["remaining"]) == (
        "2097.04",
        "684.70",
        "1412.34",
    )

    lines = client.get(f"{API}/accounts/{account.pk}/payment-lines", **headers).json()
    assert (lines["due"], lines["pending"]) == ("1412.34", "684.70")
    assert [(ln["billed"], ln["pending"], ln["due"]) for ln in lines["lines"]] == [
        ("684.70", "684.70", "0.00"),
        ("1400.00", "0.00", "1400.00"),
        ("12.34", "0.00", "12.34"),
    ]


def test_without_payments_nothing_is_pending(
    client: Client, customer: User, account: Account
) -> None:
    headers = auth(customer)
    overview = client.get(f"{API}/accounts/{account.pk}", **headers).json()
    assert (overview["pending"], overview["pending_payments"], overview["debt"]) == (
        "0.00",
        [],
        "2097.04",
    )
