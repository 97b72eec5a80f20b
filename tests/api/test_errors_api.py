"""Every app's refusal reaches a client through the one handler: its code's status and the body
``{"code", "message", "fields"}``, never a 500."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from kabinet.api.errors import status_of
from kabinet.billing.models import AccountLink
from kabinet.identity.models import User
from kabinet.identity.services.tokens import issue_token
from kabinet.metering.services import automatic_message
from tests.documents.sample import make_two_recipient_bill
from tests.factories import make_account, make_meter, make_supplier

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def headers(customer: User) -> dict[str, Any]:
    _, key = issue_token(user=customer, label="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def send(client: Client, method: str, path: str, body: Any, headers: dict[str, Any]) -> Any:
    return getattr(client, method)(
        f"{API}{path}", json.dumps(body), content_type="application/json", **headers
    )


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("invalid", 400),
        ("not_found_anywhere", 400),
        ("invalid_credentials", 401),
        ("not_cancellable", 409),
        ("validation_error", 422),
        ("throttled", 429),
        ("refused", 429),
        ("provider_unavailable", 503),
        ("provider_error", 503),
    ],
)
def test_a_code_has_one_status(code: str, status: int) -> None:
    assert status_of(code) == status


def test_a_profile_refusal(client: Client, headers: dict[str, Any]) -> None:
    response = send(client, "patch", "/profile", {"birth_date": "2999-01-01"}, headers)
    message = "Дата рождения не может быть в будущем."
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_birth_date",
        "message": message,
        "fields": {"birth_date": [message]},
    }


def test_a_link_refusal(client: Client, headers: dict[str, Any]) -> None:
    supplier = make_supplier()
    body = {
        "supplier_id": supplier.pk,
        "number": "700123",
        "relation": "landlord",
        "question": "code",
        "code": "Q1W2E3",
    }
    response = send(client, "post", "/accounts/link", body, headers)
    message = "Выберите отношение к счёту."
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_relation",
        "message": message,
        "fields": {"relation": [message]},
    }


def test_a_readings_refusal(client: Client, customer: User, headers: dict[str, Any]) -> None:
    account = make_account(automatic_readings=True)
    AccountLink.objects.create(user=customer, account=account, relation="owner")
    meter = make_meter(account)
    body = {"readings": [{"meter_id": meter.pk, "values": ["1"]}]}
    response = send(client, "post", f"/accounts/{account.pk}/readings", body, headers)
    assert response.status_code == 400
    assert response.json() == {
        "code": "automatic_meter",
        "message": automatic_message(),
        "fields": {"__all__": [automatic_message()]},
    }


def test_a_support_refusal(client: Client, headers: dict[str, Any]) -> None:
    supplier = make_supplier()
    response = client.post(
        f"{API}/support/appeals",
        {"supplier_id": supplier.pk, "topic": "readings", "text": "   "},
        **headers,
    )
    message = "Заполните это поле."
    assert response.status_code == 400
    assert response.json() == {
        "code": "required",
        "message": message,
        "fields": {"text": [message]},
    }


def test_a_payment_refusal_when_the_bank_does_not_answer(
    client: Client, customer: User, headers: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kabinet.payments.providers import ProviderError
    from kabinet.payments.providers.sandbox import SandboxProvider

    def timeout(self: SandboxProvider, request: Any) -> Any:
        raise ProviderError("timed out")

    monkeypatch.setattr(SandboxProvider, "start", timeout)
    account = make_two_recipient_bill().account
    AccountLink.objects.create(user=customer, account=account, relation="owner")
    lines = client.get(f"{API}/accounts/{account.pk}/payment-lines", **headers).json()["lines"]
    body = {
        "amounts": [{"line": line["key"], "amount": line["due"]} for line in lines],
        "receipt_email": "payer@example.ru",
        "agree": True,
        "idempotency_key": str(uuid.uuid4()),
    }
    response = send(client, "post", f"/accounts/{account.pk}/payments", body, headers)
    assert response.status_code == 503
    assert response.json()["code"] == "provider_unavailable"
    assert response.json()["fields"] == {}
    assert "Банк не ответил" in response.json()["message"]


def test_an_api_refusal_of_a_parameter(
    client: Client, customer: User, headers: dict[str, Any]
) -> None:
    account = make_account()
    AccountLink.objects.create(user=customer, account=account, relation="owner")
    response = client.get(f"{API}/accounts/{account.pk}/readings?period_from=осень", **headers)
    message = "Укажите месяц в виде ГГГГ-ММ, например 2026-09."
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_period",
        "message": message,
        "fields": {"period_from": [message]},
    }
