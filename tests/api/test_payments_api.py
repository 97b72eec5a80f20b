"""Customer API for payments: payable lines, start, status, history, and its ownership walk."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from kabinet.billing.models import Account
from kabinet.identity.models import User
from kabinet.identity.services.tokens import issue_token
from kabinet.payments.models import Payment
from tests.documents.sample import make_two_recipient_bill
from tests.factories import make_customer, make_link, make_payment

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def customer() -> User:
    return make_customer(email="payer@example.ru")


@pytest.fixture
def account(customer: User) -> Account:
    account = make_two_recipient_bill().account
    make_link(customer, account)
    return account


def auth(user: User) -> dict[str, Any]:
    _, key = issue_token(user=user, label="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


class RawNumber(str):
    """A JSON number written with exactly these digits (json.dumps would go through a float)."""


def _encoded(body: dict[str, Any]) -> str:
    raw: dict[str, str] = {}

    def swap(value: Any) -> Any:
        if isinstance(value, RawNumber):
            marker = f"@@raw{len(raw)}@@"
            raw[f'"{marker}"'] = str(value)
            return marker
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    text = json.dumps(swap(body))
    for marker, digits in raw.items():
        text = text.replace(marker, digits)
    return text


def post(client: Client, path: str, body: dict[str, Any], headers: dict[str, Any]) -> Any:
    return client.post(f"{API}{path}", _encoded(body), content_type="application/json", **headers)


def start_body(lines: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "amounts": [{"line": line["key"], "amount": line["due"]} for line in lines],
        "receipt_email": "payer@example.ru",
        "agree": True,
        "idempotency_key": str(uuid.uuid4()),
    }
    body.update(overrides)
    return body


def test_lines_start_status_and_history(client: Client, customer: User, account: Account) -> None:
    headers = auth(customer)

    lines = client.get(f"{API}/accounts/{account.pk}/payment-lines", **headers).json()
    assert lines["due"] == "2097.04"
    assert [(ln["service"], ln["due"], ln["is_penalty"]) for ln in lines["lines"]] == [
        ("Электроснабжение", "684.70", False),
        ("Содержание жилого помещения", "1400.00", False),
        ("Пени", "12.34", True),
    ]
    assert lines["lines"][0]["min_payment"] == "50.00"

    body = start_body(lines["lines"])
    started = post(client, f"/accounts/{account.pk}/payments", body, headers)
    again = post(client, f"/accounts/{account.pk}/payments", body, headers)

    assert started.status_code == 201, started.content
    data = started.json()
    assert data["status"] == "pending"
    assert data["amount"] == "2097.04"
    assert data["confirmation_url"].startswith("http://testserver/payments/sandbox/")
    assert again.json()["id"] == data["id"]
    assert Payment.objects.count() == 1

    status = client.get(f"{API}/payments/{data['id']}", **headers).json()
    assert (status["status"], status["status_text"]) == ("pending", "Ожидает оплаты")
    assert len(status["splits"]) == 3

    history = client.get(f"{API}/accounts/{account.pk}/payments", **headers).json()
    everything = client.get(f"{API}/payments", **headers).json()
    assert [p["id"] for p in history] == [p["id"] for p in everything] == [data["id"]]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1", "Сумма не может быть отрицательной."),
        ("12.345", "Не больше двух знаков после запятой."),
        ("сто", "Введите сумму в рублях, например 1 545,13."),
        (10.123, "Не больше двух знаков после запятой."),
        # A float would have made it 684.7 and charged the card without a word.
        (RawNumber("684.700000000000001"), "Не больше двух знаков после запятой."),
        ("20", "Минимальная сумма платежа — не менее 50,00 ₽."),
    ],
)
def test_bad_amounts_get_a_message_per_line(
    client: Client, customer: User, account: Account, amount: Any, message: str
) -> None:
    headers = auth(customer)
    lines = client.get(f"{API}/accounts/{account.pk}/payment-lines", **headers).json()["lines"]
    body = start_body(lines[:1])
    body["amounts"][0]["amount"] = amount

    response = post(client, f"/accounts/{account.pk}/payments", body, headers)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"][lines[0]["key"]] == [message]
    assert not Payment.objects.exists()


def test_consent_and_a_known_line_are_required(
    client: Client, customer: User, account: Account
) -> None:
    headers = auth(customer)
    lines = client.get(f"{API}/accounts/{account.pk}/payment-lines", **headers).json()["lines"]
    body = start_body(lines, agree=False)
    body["amounts"].append({"line": "999-999", "amount": "100"})

    fields = post(client, f"/accounts/{account.pk}/payments", body, headers).json()["fields"]

    assert fields["agree"] == ["Подтвердите согласие с правилами оплаты."]
    assert fields["999-999"] == ["Такой строки нет в квитанции."]


def test_the_history_period_filter(client: Client, customer: User, account: Account) -> None:
    make_payment(account, paid_at=dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC))
    make_payment(account, paid_at=dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC))
    headers = auth(customer)

    march = client.get(
        f"{API}/accounts/{account.pk}/payments?date_from=2026-03-01&date_to=2026-03-31", **headers
    )
    bad = client.get(f"{API}/payments?date_from=31.03.2026", **headers)

    assert [p["paid_at"][:10] for p in march.json()] == ["2026-03-10"]
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_date")


def test_every_payment_endpoint_is_404_for_another_user(
    client: Client, customer: User, account: Account
) -> None:
    payment = make_payment(account, amount=Decimal("100.00"))
    stranger = auth(make_customer())
    calls = [
        ("get", f"{API}/accounts/{account.pk}/payment-lines", None),
        ("post", f"{API}/accounts/{account.pk}/payments", start_body([])),
        ("get", f"{API}/accounts/{account.pk}/payments", None),
        ("get", f"{API}/payments/{payment.pk}", None),
    ]
    for method, url, body in calls:
        kwargs: dict[str, Any] = {"content_type": "application/json"} if body is not None else {}
        data = json.dumps(body) if body is not None else None
        response = getattr(client, method)(url, data, **kwargs, **stranger)
        assert response.status_code == 404, (method, url, response.content)
        assert response.json()["code"] == "not_found"
    assert client.get(f"{API}/payments", **stranger).json() == []
    # The account-scoped operations this module adds (the lead adds them to the accounts walk).
    schema = client.get(f"{API}/openapi.json").json()
    ours = {
        (method, path)
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/accounts/{account_id}/payment")
        for method in item
    }
    assert ours == {
        ("get", "/api/v1/accounts/{account_id}/payment-lines"),
        ("post", "/api/v1/accounts/{account_id}/payments"),
        ("get", "/api/v1/accounts/{account_id}/payments"),
    }
