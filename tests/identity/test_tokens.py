"""API tokens: they expire unless used, recovery revokes them, the person sees and revokes them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kabinet.core.models import AuditEntry
from kabinet.identity.models import ApiToken, User
from kabinet.identity.services import tokens
from tests.factories import make_customer
from tests.identity.conftest import last_code, last_link, solve_captcha

pytestmark = pytest.mark.django_db

API = "/api/v1"
NEW = "Brand-New-Pass2"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def api_works(key: str) -> bool:
    return Client().get(f"{API}/profile", headers=bearer(key)).status_code == 200


def age(token: ApiToken, *, idle: dt.timedelta) -> None:
    """Pretend the token was last used ``idle`` ago (and issued a day before that)."""
    last = timezone.now() - idle
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=last - dt.timedelta(days=1),
        last_used_at=last,
        expires_at=last + tokens.token_ttl(),
    )


# --- expiry -------------------------------------------------------------------------------


def test_a_new_token_expires_after_the_configured_days(settings: Any, customer: User) -> None:
    settings.API_TOKEN_TTL_DAYS = 7
    before = timezone.now()
    token, _key = tokens.issue_token(user=customer, label="Pixel")
    assert before + dt.timedelta(days=7) <= token.expires_at
    assert token.expires_at <= timezone.now() + dt.timedelta(days=7)


def test_the_default_lifetime_is_thirty_days(customer: User) -> None:
    token, _key = tokens.issue_token(user=customer, label="Pixel")
    assert token.expires_at - token.created_at == dt.timedelta(days=30)


def test_each_use_moves_the_expiry_on(customer: User) -> None:
    token, key = tokens.issue_token(user=customer, label="Pixel")
    age(token, idle=dt.timedelta(days=29))

    assert api_works(key)

    token.refresh_from_db()
    assert token.expires_at > timezone.now() + dt.timedelta(days=29, hours=23)
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < dt.timedelta(minutes=1)


def test_a_token_idle_longer_than_its_lifetime_stops_working(customer: User) -> None:
    token, key = tokens.issue_token(user=customer, label="Pixel")
    age(token, idle=dt.timedelta(days=30, minutes=1))
    assert not api_works(key)
    token.refresh_from_db()
    assert token.expires_at < timezone.now()  # not revived by the refused try


def test_a_busy_app_does_not_write_on_every_request(customer: User) -> None:
    _token, key = tokens.issue_token(user=customer, label="Pixel")
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert client.get(f"{API}/profile", headers=bearer(key)).status_code == 200
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert writes == []


# --- revocation ---------------------------------------------------------------------------


@pytest.fixture
def recovering() -> User:
    return make_customer(
        phone="+79161234567", email="ivanov@example.org", email_confirmed_at=timezone.now()
    )


def test_recovery_by_sms_code_revokes_every_token(recovering: User) -> None:
    keys = [tokens.issue_token(user=recovering, label=label)[1] for label in ("Pixel", "iPad")]
    assert all(api_works(key) for key in keys)
    client = Client()
    client.post("/recover/", {"identifier": recovering.phone, "altcha": solve_captcha(client)})
    code = last_code(recovering.phone or "")
    client.post("/recover/code/", {"password1": NEW, "password2": NEW, "code": code})

    recovering.refresh_from_db()
    assert recovering.check_password(NEW)
    assert not any(api_works(key) for key in keys)
    assert not ApiToken.objects.filter(user=recovering).exists()
    entry = AuditEntry.objects.get(action="identity.password_recovered")
    assert entry.data["tokens_revoked"] == 2


def test_recovery_by_e_mail_link_revokes_every_token(recovering: User) -> None:
    _token, key = tokens.issue_token(user=recovering, label="Pixel")
    client = Client()
    client.post("/recover/", {"identifier": recovering.email, "altcha": solve_captcha(client)})
    link = last_link(recovering.email or "")
    client.post(link, {"password1": NEW, "password2": NEW})

    recovering.refresh_from_db()
    assert recovering.check_password(NEW)
    assert not api_works(key)


# --- the profile page ---------------------------------------------------------------------


def test_the_profile_lists_the_persons_live_devices_only(client_in: Client, customer: User) -> None:
    tokens.issue_token(user=customer, label="Pixel 8")
    expired, _key = tokens.issue_token(user=customer, label="Старый телефон")
    age(expired, idle=dt.timedelta(days=31))
    tokens.issue_token(user=make_customer(), label="Чужой iPhone")

    page = client_in.get(reverse("profile:devices")).text

    assert "Приложения и устройства" in page
    assert "Pixel 8" in page
    assert "Старый телефон" not in page
    assert "Чужой iPhone" not in page
    assert reverse("profile:devices") in client_in.get(reverse("profile:index")).text


def test_the_person_logs_one_device_out(client_in: Client, customer: User) -> None:
    token, key = tokens.issue_token(user=customer, label="Pixel 8")
    _other, other_key = tokens.issue_token(user=customer, label="iPad")

    response = client_in.post(reverse("profile:device-revoke", args=[token.pk]), follow=True)

    assert "Вход на устройстве завершён." in response.text
    assert not api_works(key)
    assert api_works(other_key)
    assert AuditEntry.objects.filter(action="identity.api_token_revoked", actor=customer).exists()


def test_someone_elses_device_cannot_be_logged_out(client_in: Client) -> None:
    token, key = tokens.issue_token(user=make_customer(), label="Чужой iPhone")
    response = client_in.post(reverse("profile:device-revoke", args=[token.pk]))
    assert response.status_code == 404
    assert api_works(key)


def test_the_person_logs_every_device_out(client_in: Client, customer: User) -> None:
    keys = [tokens.issue_token(user=customer, label=label)[1] for label in ("Pixel", "iPad")]
    _token, strangers_key = tokens.issue_token(user=make_customer(), label="Чужой")

    response = client_in.post(reverse("profile:devices-revoke-all"), follow=True)

    assert "Вход завершён на всех устройствах." in response.text
    assert not any(api_works(key) for key in keys)
    assert api_works(strangers_key)
    assert client_in.get(reverse("profile:index")).status_code == 200  # this browser stays


def test_the_device_pages_need_a_login_and_post(client: Client, customer: User) -> None:
    token, _key = tokens.issue_token(user=customer, label="Pixel")
    assert client.get(reverse("profile:devices")).status_code == 302
    assert client.post(reverse("profile:device-revoke", args=[token.pk])).status_code == 302
    client.force_login(customer)
    assert client.get(reverse("profile:device-revoke", args=[token.pk])).status_code == 405
    assert ApiToken.objects.filter(pk=token.pk).exists()
