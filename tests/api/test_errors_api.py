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


# --- requests the API cannot use at all -------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "/profile", "[1, 2]"),
        ("patch", "/profile", '"Иванов"'),
        ("post", "/auth/login", "[]"),
        ("patch", "/accounts/1", "42"),
    ],
    ids=["array", "string", "empty-array", "number"],
)
def test_a_body_that_is_not_a_json_object_is_a_422(
    client: Client, headers: dict[str, Any], customer: User, method: str, path: str, body: str
) -> None:
    before = (customer.last_name, customer.first_name)
    response = getattr(client, method)(
        f"{API}{path}", body, content_type="application/json", **headers
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_error",
        "message": "Проверьте введённые данные.",
        "fields": {"__all__": ["Тело запроса должно быть JSON-объектом {…}."]},
    }
    customer.refresh_from_db()
    assert (customer.last_name, customer.first_name) == before


def test_a_body_that_is_not_json_is_a_400(client: Client, headers: dict[str, Any]) -> None:
    response = client.patch(f"{API}/profile", "{oops", content_type="application/json", **headers)
    assert (response.status_code, response.json()["code"]) == (400, "bad_json")


@pytest.mark.parametrize("debug", [False, True])
def test_a_multipart_body_without_its_boundary_is_a_400_in_the_error_shape(
    client: Client, headers: dict[str, Any], settings: Any, debug: bool
) -> None:
    settings.DEBUG = debug
    response = client.post(
        f"{API}/support/appeals", "text=x", content_type="multipart/form-data", **headers
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["code"] == "bad_request"


def test_too_many_files_is_a_400_in_the_error_shape(
    client: Client, headers: dict[str, Any], settings: Any
) -> None:
    from tests.factories import png_upload

    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = [png_upload(f"{n}.png") for n in range(3)]
    response = client.post(
        f"{API}/support/appeals",
        {"supplier_id": 1, "topic": "other", "text": "x", "attachments": files},
        **headers,
    )
    assert (response.status_code, response.json()["code"]) == (400, "bad_request")


@pytest.mark.parametrize("account_id", [2**63, 2**64 + 7])
def test_an_id_past_what_the_database_stores_is_a_404(
    client: Client, headers: dict[str, Any], account_id: int
) -> None:
    response = client.get(f"{API}/accounts/{account_id}", **headers)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


# --- the schema tells the truth ---------------------------------------------------------------


def _schema() -> dict[str, Any]:
    from kabinet.api.api import api

    return api.get_openapi_schema()


def test_every_schema_name_is_one_model() -> None:
    """ninja names a component by its class name: two classes of one name are one component,
    and the schema describes one of them wrongly (two MeterOut and two SectionOut did)."""
    from ninja import Schema

    import kabinet.api.api  # noqa: F401 - imports every router

    def subclasses(cls: type[Schema]) -> list[type[Schema]]:
        found: list[type[Schema]] = []
        for sub in cls.__subclasses__():
            found += [sub, *subclasses(sub)]
        return found

    names: dict[str, list[str]] = {}
    for model in subclasses(Schema):
        if model.__module__.startswith("kabinet."):
            names.setdefault(model.__name__, []).append(model.__module__)
    assert {n: m for n, m in names.items() if len(m) > 1} == {}


def test_every_operation_documents_its_errors_in_the_error_shape() -> None:
    schema = _schema()
    error = {"$ref": "#/components/schemas/Error"}
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {
        "code",
        "message",
        "fields",
    }
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = {str(status): r for status, r in operation["responses"].items()}
            expected = {"422"}
            if "requestBody" in operation:
                expected.add("400")
            if operation.get("security"):
                expected |= {"401", "403"}
            if "{" in path:
                expected.add("404")
            assert expected <= set(responses), (method, path)
            for status, response in responses.items():
                if status.startswith("4"):
                    assert response["content"]["application/json"]["schema"] == error, (
                        method,
                        path,
                        status,
                    )
