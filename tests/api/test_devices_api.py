"""The customer API lists the person's logged-in devices and revokes their tokens."""

from __future__ import annotations

import pytest
from django.test import Client

from kabinet.identity.models import ApiToken, User
from kabinet.identity.services.tokens import issue_token
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

API = "/api/v1"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def works(key: str) -> bool:
    return Client().get(f"{API}/profile", headers=bearer(key)).status_code == 200


@pytest.fixture
def customer() -> User:
    return make_customer()


def test_it_lists_the_persons_devices_and_marks_the_calling_one(
    client: Client, customer: User
) -> None:
    mine, key = issue_token(user=customer, label="Pixel 8")
    other, _other_key = issue_token(user=customer, label="iPad")
    issue_token(user=make_customer(), label="Чужой iPhone")

    response = client.get(f"{API}/profile/devices", headers=bearer(key))

    assert response.status_code == 200
    devices = {d["id"]: d for d in response.json()}
    assert set(devices) == {mine.pk, other.pk}
    assert devices[mine.pk]["current"] is True
    assert devices[other.pk]["current"] is False
    assert devices[other.pk]["device"] == "iPad"
    assert devices[other.pk]["expires_at"]


def test_it_revokes_one_device(client: Client, customer: User) -> None:
    _mine, key = issue_token(user=customer, label="Pixel 8")
    other, other_key = issue_token(user=customer, label="iPad")

    response = client.delete(f"{API}/profile/devices/{other.pk}", headers=bearer(key))

    assert response.status_code == 200
    assert not works(other_key)
    assert works(key)


def test_a_stranger_cannot_revoke_a_token_and_is_told_not_found(client: Client) -> None:
    _mine, key = issue_token(user=make_customer(), label="Pixel 8")
    victim, victim_key = issue_token(user=make_customer(), label="iPad")

    stranger = client.delete(f"{API}/profile/devices/{victim.pk}", headers=bearer(key))
    missing = client.delete(f"{API}/profile/devices/{victim.pk + 1000}", headers=bearer(key))

    assert stranger.status_code == missing.status_code == 404
    assert stranger.json() == missing.json()
    assert stranger.json()["code"] == "not_found"
    assert works(victim_key)


def test_it_logs_out_every_other_device_and_keeps_the_calling_one(
    client: Client, customer: User
) -> None:
    _mine, key = issue_token(user=customer, label="Pixel 8")
    others = [issue_token(user=customer, label=label)[1] for label in ("iPad", "Mac")]

    response = client.delete(f"{API}/profile/devices", headers=bearer(key))

    assert response.json() == {"revoked": 2}
    assert works(key)
    assert not any(works(other) for other in others)
    assert ApiToken.objects.filter(user=customer).count() == 1


def test_the_device_endpoints_are_in_the_schema_and_need_a_login(client: Client) -> None:
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    assert {"get", "delete"} <= set(paths[f"{API}/profile/devices"])
    assert "404" in paths[f"{API}/profile/devices/{{token_id}}"]["delete"]["responses"]
    assert client.get(f"{API}/profile/devices").status_code == 401
