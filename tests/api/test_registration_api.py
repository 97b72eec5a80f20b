"""The customer API's registration and recovery: the web's rules, an app's handles."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from altcha.v1 import Challenge, solve_challenge
from django.test import Client

from kabinet.identity.models import Consent, User, Verification
from tests.identity.conftest import last_code, last_link, sent

pytestmark = pytest.mark.django_db

PASSWORD = "Kvartira2026"


@pytest.fixture(autouse=True)
def _cheap_captcha(settings: Any) -> None:
    settings.ALTCHA_MAX_NUMBER = 2000
    settings.SITE_URL = "http://testserver"


def solved(client: Client) -> str:
    data = client.get("/api/v1/auth/captcha").json()
    challenge = Challenge(
        data["algorithm"], data["challenge"], data["maxNumber"], data["salt"], data["signature"]
    )
    solution = solve_challenge(challenge)
    assert solution is not None
    payload = {k: data[k] for k in ("algorithm", "challenge", "salt", "signature")}
    payload["number"] = solution.number
    return base64.b64encode(json.dumps(payload).encode()).decode()


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/auth{path}", body, content_type="application/json")


def consents(**extra: Any) -> dict[str, Any]:
    return {"consent_personal_data": True, "consent_user_agreement": True, **extra}


def test_an_app_registers_by_phone_and_gets_a_token(client: Client) -> None:
    started = post(
        client,
        "/register/phone",
        {"phone": "8 (916) 123-45-67", "altcha": solved(client)} | consents(),
    )
    assert started.status_code == 202
    handle = started.json()["handle"]

    confirmed = post(
        client, "/register/phone/confirm", {"handle": handle, "code": last_code("+79161234567")}
    )
    assert confirmed.status_code == 200

    done = post(
        client,
        "/register/phone/complete",
        {"handle": handle, "password1": PASSWORD, "password2": PASSWORD, "last_name": "Иванова",
         "first_name": "Мария", "device": "Pixel"},
    )  # fmt: skip
    assert done.status_code == 201
    token = done.json()["token"]
    user = User.objects.get(phone="+79161234567")
    assert (user.last_name, user.first_name) == ("Иванова", "Мария")
    assert set(user.consents.values_list("kind", flat=True)) == {
        Consent.Kind.PERSONAL_DATA,
        Consent.Kind.USER_AGREEMENT,
    }
    profile = client.get("/api/v1/profile", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert profile.status_code == 200


def test_a_forged_or_foreign_handle_cannot_finish_a_registration(client: Client) -> None:
    started = post(
        client, "/register/phone", {"phone": "+79161234567", "altcha": solved(client)} | consents()
    )
    handle = started.json()["handle"]
    post(client, "/register/phone/confirm", {"handle": handle, "code": last_code("+79161234567")})
    # An attacker guessing ids would try the real, sequential one.
    guessed = str(Verification.objects.latest("pk").pk)
    body = {"password1": PASSWORD, "password2": PASSWORD, "last_name": "Х", "first_name": "Х"}

    for forged in (guessed, handle[:-2] + "xx", ""):
        response = post(client, "/register/phone/complete", {"handle": forged, **body})
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_handle"
    assert not User.objects.filter(phone="+79161234567").exists()


def test_the_api_applies_the_web_forms_rules(client: Client) -> None:
    response = post(
        client,
        "/register/phone",
        {"phone": "12345", "altcha": "bm90IGEgc29sdXRpb24=", "consent_personal_data": False,
         "consent_user_agreement": True},
    )  # fmt: skip

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["fields"]) == {"phone", "altcha", "consent_personal_data"}
    assert "Неверный номер телефона" in body["fields"]["phone"][0]
    assert sent() == []


def test_a_wrong_code_is_a_field_error_and_counts(client: Client) -> None:
    handle = post(
        client, "/register/phone", {"phone": "+79161234567", "altcha": solved(client)} | consents()
    ).json()["handle"]
    wrong = "000000" if last_code("+79161234567") != "000000" else "111111"

    response = post(client, "/register/phone/confirm", {"handle": handle, "code": wrong})

    assert response.status_code == 400
    assert response.json()["fields"]["code"]


def test_an_app_registers_by_email_and_confirms_the_link(client: Client) -> None:
    started = post(
        client,
        "/register/email",
        {"email": "Maria@Example.org", "password1": PASSWORD, "password2": PASSWORD,
         "altcha": solved(client)} | consents(consent_marketing=True),
    )  # fmt: skip
    assert started.status_code == 202
    token = last_link("maria@example.org").rstrip("/").split("/")[-1]

    confirmed = post(client, "/register/email/confirm", {"token": token})

    assert confirmed.status_code == 201
    user = User.objects.get(email="maria@example.org")
    assert user.check_password(PASSWORD)
    assert user.consents.filter(kind=Consent.Kind.MARKETING).exists()
    again = post(client, "/register/email/confirm", {"token": token})
    assert again.status_code == 400


def test_recovery_answers_the_same_for_known_and_unknown_phones(client: Client) -> None:
    User.objects.create_user(username="u1", phone="+79161234567", password="Old-Password1")

    known = post(client, "/recover", {"identifier": "+79161234567", "altcha": solved(client)})
    unknown = post(client, "/recover", {"identifier": "+79167654321", "altcha": solved(client)})

    assert known.status_code == unknown.status_code == 202
    assert set(known.json()) == set(unknown.json()) == {"handle", "channel"}
    assert known.json()["channel"] == unknown.json()["channel"] == "sms"
    assert sent(to="+79167654321") == []

    done = post(
        client,
        "/recover/confirm",
        {"handle": known.json()["handle"], "code": last_code("+79161234567"),
         "password1": PASSWORD, "password2": PASSWORD},
    )  # fmt: skip
    assert done.status_code == 200
    assert User.objects.get(phone="+79161234567").check_password(PASSWORD)


def test_the_schema_lists_registration_and_recovery(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    for path in (
        "/api/v1/auth/captcha",
        "/api/v1/auth/register/phone",
        "/api/v1/auth/register/phone/confirm",
        "/api/v1/auth/register/phone/complete",
        "/api/v1/auth/register/email",
        "/api/v1/auth/register/email/confirm",
        "/api/v1/auth/register/resend",
        "/api/v1/auth/recover",
        "/api/v1/auth/recover/confirm",
        "/api/v1/auth/recover/link",
    ):
        assert path in paths


def test_completing_an_unconfirmed_phone_registration_is_refused(client: Client) -> None:
    handle = post(
        client, "/register/phone", {"phone": "+79161234567", "altcha": solved(client)} | consents()
    ).json()["handle"]

    response = post(
        client,
        "/register/phone/complete",
        {"handle": handle, "password1": PASSWORD, "password2": PASSWORD, "last_name": "И",
         "first_name": "М"},
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["code"] == "not_confirmed"
    assert not User.objects.filter(phone="+79161234567").exists()
