"""Customer API /api/v1: token login, profile, personal data; errors as {code, message, fields}."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kabinet.core.models import AuditEntry
from kabinet.identity.models import ApiToken, User
from tests.factories import PASSWORD, make_customer

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Another-Pass-7788"

API = "/api/v1"


@pytest.fixture
def customer() -> User:
    return make_customer()


def login(client: Client, identifier: str, password: str = PASSWORD, device: str = "Pixel") -> Any:
    return client.post(
        f"{API}/auth/login",
        {"identifier": identifier, "password": password, "device": device},
        content_type="application/json",
    )


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def key(client: Client, customer: User) -> str:
    response = login(client, customer.phone or "")
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def test_the_openapi_schema_lists_the_customer_endpoints(client: Client) -> None:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["version"] == "1"
    paths = schema["paths"]
    for path in (
        f"{API}/auth/login",
        f"{API}/auth/logout",
        f"{API}/profile",
        f"{API}/profile/password",
        f"{API}/profile/personal-data",
    ):
        assert path in paths
    assert set(paths[f"{API}/profile"]) >= {"get", "patch", "delete"}
    assert client.get(f"{API}/docs").status_code == 200


def test_a_token_logs_in_reads_the_profile_and_logs_out(
    client: Client, customer: User, key: str
) -> None:
    token = ApiToken.objects.get(user=customer)
    assert token.label == "Pixel"
    # Only the hash is stored.
    assert token.key_hash != key
    assert len(token.key_hash) == 64

    response = client.get(f"{API}/profile", headers=bearer(key))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["last_name"], body["phone"]) == (
        customer.pk,
        "Иванова",
        customer.phone,
    )
    assert body["phone_confirmed"] is True
    assert body["email_confirmed"] is False

    assert client.post(f"{API}/auth/logout", headers=bearer(key)).status_code == 200
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert client.get(f"{API}/profile", headers=bearer(key)).status_code == 401


def test_it_logs_in_by_e_mail_too(client: Client, customer: User) -> None:
    assert login(client, (customer.email or "").upper()).status_code == 200


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(
    client: Client, customer: User
) -> None:
    unknown = login(client, "+79990000000")
    wrong = login(client, customer.phone or "", password="wrong-Password-1")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert wrong.json()["code"] == "invalid_credentials"
    assert wrong.json()["message"] == "Неверный телефон, e-mail или пароль."
    assert not ApiToken.objects.exists()


def test_login_is_throttled(client: Client, customer: User) -> None:
    statuses = [
        login(client, customer.phone or "", password="wrong-Password-1").status_code
        for _ in range(12)
    ]
    assert statuses[0] == 401
    assert statuses[-1] == 429
    throttled = login(client, customer.phone or "")  # even the right password waits
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"


def test_it_refuses_calls_without_a_token(client: Client) -> None:
    for method, path in [
        ("get", "/profile"),
        ("patch", "/profile"),
        ("post", "/profile/password"),
        ("get", "/profile/personal-data"),
        ("delete", "/profile"),
        ("post", "/auth/logout"),
    ]:
        response = getattr(client, method)(f"{API}{path}", {}, content_type="application/json")
        assert response.status_code == 401, (method, path)
        assert response.json()["code"] == "unauthorized"
    assert client.get(f"{API}/profile", headers=bearer("not-a-token")).status_code == 401


def test_an_expired_token_or_a_blocked_user_is_refused(
    client: Client, customer: User, key: str
) -> None:
    ApiToken.objects.update(created_at=timezone.now() - dt.timedelta(days=2))
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(days=1))
    assert client.get(f"{API}/profile", headers=bearer(key)).status_code == 401
    ApiToken.objects.update(expires_at=timezone.now() + dt.timedelta(days=1))
    assert client.get(f"{API}/profile", headers=bearer(key)).status_code == 200
    User.objects.filter(pk=customer.pk).update(is_active=False)
    assert client.get(f"{API}/profile", headers=bearer(key)).status_code == 401


def test_a_token_only_ever_reaches_its_own_user(client: Client, customer: User, key: str) -> None:
    other = make_customer(last_name="Сидоров", first_name="Олег")
    other_key = login(client, other.phone or "").json()["token"]

    response = client.patch(
        f"{API}/profile",
        {"last_name": "Изменено"},
        content_type="application/json",
        headers=bearer(other_key),
    )
    assert response.json()["last_name"] == "Изменено"
    customer.refresh_from_db()
    assert customer.last_name == "Иванова"
    assert client.get(f"{API}/profile", headers=bearer(key)).json()["id"] == customer.pk
    # Logging out one device leaves the other person's token alone.
    client.post(f"{API}/auth/logout", headers=bearer(other_key))
    assert client.get(f"{API}/profile", headers=bearer(key)).status_code == 200


def test_it_patches_only_the_fields_sent(client: Client, customer: User, key: str) -> None:
    response = client.patch(
        f"{API}/profile",
        {"patronymic": "Ивановна", "birth_date": "1990-03-04", "gender": "female"},
        content_type="application/json",
        headers=bearer(key),
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.last_name, customer.patronymic) == ("Иванова", "Ивановна")
    assert customer.birth_date == dt.date(1990, 3, 4)


@pytest.mark.parametrize(
    ("data", "status", "code", "field"),
    [
        ({"birth_date": "2999-01-01"}, 400, "invalid_birth_date", "birth_date"),
        ({"last_name": ""}, 400, "required", "last_name"),
        ({"gender": "other"}, 400, "invalid_gender", "gender"),
        ({"birth_date": "вчера"}, 422, "validation_error", "birth_date"),
        ({"last_name": "x" * 151}, 422, "validation_error", "last_name"),
    ],
)
def test_bad_profile_input_is_a_4xx_with_field_errors(
    client: Client, key: str, data: dict[str, Any], status: int, code: str, field: str
) -> None:
    response = client.patch(
        f"{API}/profile", data, content_type="application/json", headers=bearer(key)
    )
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    assert field in body["fields"]


def test_malformed_json_is_a_4xx(client: Client, key: str) -> None:
    response = client.patch(
        f"{API}/profile", "{not json", content_type="application/json", headers=bearer(key)
    )
    assert 400 <= response.status_code < 500
    assert "code" in response.json()


def test_the_password_changes_and_other_devices_are_logged_out(
    client: Client, customer: User, key: str
) -> None:
    other_key = login(client, customer.phone or "", device="Tablet").json()["token"]
    response = client.post(
        f"{API}/profile/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        content_type="application/json",
        headers=bearer(key),
    )
    assert response.status_code == 200
    assert client.get(f"{API}/profile", headers=bearer(key)).status_code == 200
    assert client.get(f"{API}/profile", headers=bearer(other_key)).status_code == 401
    assert login(client, customer.phone or "", password=NEW_PASSWORD).status_code == 200


@pytest.mark.parametrize(
    ("current", "new", "code", "field"),
    [
        ("wrong-Password-1", NEW_PASSWORD, "wrong_password", "current_password"),
        (PASSWORD, "short", "weak_password", "new_password"),
    ],
)
def test_a_bad_password_change_is_refused(
    client: Client, customer: User, key: str, current: str, new: str, code: str, field: str
) -> None:
    response = client.post(
        f"{API}/profile/password",
        {"current_password": current, "new_password": new},
        content_type="application/json",
        headers=bearer(key),
    )
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert field in response.json()["fields"]
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_it_returns_the_personal_data(client: Client, customer: User, key: str) -> None:
    response = client.get(f"{API}/profile/personal-data", headers=bearer(key))
    assert response.status_code == 200
    assert response.json()["user"]["phone"] == customer.phone
    assert [t["device"] for t in response.json()["api_tokens"]] == ["Pixel"]


def test_it_deletes_the_user_after_confirmation(client: Client, customer: User, key: str) -> None:
    refused = client.generic(
        "DELETE",
        f"{API}/profile",
        json.dumps({"current_password": PASSWORD, "confirm": False}),
        content_type="application/json",
        headers=bearer(key),
    )
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"confirm": [refused.json()["message"]]}

    response = client.generic(
        "DELETE",
        f"{API}/profile",
        json.dumps({"current_password": PASSWORD, "confirm": True}),
        content_type="application/json",
        headers=bearer(key),
    )
    assert response.status_code == 200
    assert not User.objects.filter(pk=customer.pk).exists()
    assert AuditEntry.objects.filter(action="identity.user_deleted", actor=None).exists()
    assert client.get(f"{API}/profile", headers=bearer(key)).status_code == 401
    assert login(client, customer.phone or "").status_code == 401


def test_the_web_session_works_but_needs_csrf_for_changes(customer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    assert client.get(f"{API}/profile").status_code == 200

    response = client.patch(
        f"{API}/profile", {"patronymic": "Без CSRF"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"

    client.get("/")  # the page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = client.patch(
        f"{API}/profile",
        {"patronymic": "С CSRF"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.patronymic == "С CSRF"


def test_logout_with_a_session_ends_it(client: Client, customer: User) -> None:
    client.force_login(customer)
    assert client.post(f"{API}/auth/logout").status_code == 200
    assert client.get(f"{API}/profile").status_code == 401
