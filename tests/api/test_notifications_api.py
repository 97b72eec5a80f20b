"""The notifications API: the list with read state and filters, reading, subscriptions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from kabinet.identity.models import User
from kabinet.identity.services.tokens import issue_token
from kabinet.notifications import services
from kabinet.notifications.models import Kind, Notification, Subscription
from tests.factories import make_account, make_customer, make_email_customer, make_link

pytestmark = pytest.mark.django_db


def auth(user: User) -> dict[str, Any]:
    _, key = issue_token(user=user, label="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def notify(user: User, account: Any, key: str, kind: str = Kind.DEBT) -> Notification:
    services.raise_notifications(
        [
            Notification(
                user=user,
                account=account,
                kind=kind,
                key=key,
                payload={"amount": "100.00", "due_date": "2026-12-25"},
            )
        ]
    )
    return Notification.objects.get(user=user, key=key)


@pytest.fixture
def world() -> dict[str, Any]:
    reader = make_email_customer()
    first, second = make_account(), make_account()
    make_link(reader, first)
    make_link(reader, second)
    return {"reader": reader, "first": first, "second": second}


def test_the_list_carries_read_state_text_and_action(client: Client, world: dict[str, Any]) -> None:
    notify(world["reader"], world["first"], "a")

    body = client.get("/api/v1/notifications", **auth(world["reader"])).json()

    assert len(body) == 1
    item = body[0]
    assert item["kind"] == "debt"
    assert item["read"] is False
    assert item["title"] == "Задолженность"
    assert item["action_label"] == "Оплатить"
    assert item["action_url"] == f"/accounts/{world['first'].pk}/pay/"


def test_filters_by_account_and_unread(client: Client, world: dict[str, Any]) -> None:
    headers = auth(world["reader"])
    first = notify(world["reader"], world["first"], "a")
    notify(world["reader"], world["second"], "b")
    services.mark_read(user=world["reader"], notification_ids=[first.pk])

    by_account = client.get(
        "/api/v1/notifications", {"account_id": world["first"].pk}, **headers
    ).json()
    unread = client.get("/api/v1/notifications", {"unread": "true"}, **headers).json()
    counts = client.get("/api/v1/notifications/unread", **headers).json()

    assert [n["id"] for n in by_account] == [first.pk]
    assert [n["account_id"] for n in unread] == [world["second"].pk]
    assert counts == {"total": 1, "accounts": {str(world["second"].pk): 1}}


def test_reading_one_and_all(client: Client, world: dict[str, Any]) -> None:
    headers = auth(world["reader"])
    one = notify(world["reader"], world["first"], "a")
    notify(world["reader"], world["second"], "b")

    read = client.post(f"/api/v1/notifications/{one.pk}/read", **headers)
    rest = client.post(
        "/api/v1/notifications/read-all", "{}", content_type="application/json", **headers
    )

    assert read.status_code == 200
    assert read.json()["read"] is True
    assert rest.json() == {"changed": 1}


def test_someone_elses_notification_and_account_are_not_found(
    client: Client, world: dict[str, Any]
) -> None:
    stranger = make_customer()
    theirs = notify(world["reader"], world["first"], "a")

    read = client.post(f"/api/v1/notifications/{theirs.pk}/read", **auth(stranger))
    listed = client.get(
        "/api/v1/notifications", {"account_id": world["first"].pk}, **auth(stranger)
    )

    assert read.status_code == 404
    assert read.json()["code"] == "not_found"
    assert listed.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_months_filter_takes_only_1_2_or_3(client: Client, world: dict[str, Any]) -> None:
    response = client.get("/api/v1/notifications", {"months": 4}, **auth(world["reader"]))

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_subscriptions_round_trip(client: Client, world: dict[str, Any]) -> None:
    headers = auth(world["reader"])

    before = client.get("/api/v1/notifications/subscriptions", **headers).json()
    after = client.put(
        "/api/v1/notifications/subscriptions",
        json.dumps({"subscriptions": [{"kind": "new_bill", "email": False}]}),
        content_type="application/json",
        **headers,
    )

    assert {row["kind"]: row["email"] for row in before}["new_bill"] is True
    assert after.status_code == 200
    assert {row["kind"]: row["email"] for row in after.json()}["new_bill"] is False
    assert (
        Subscription.objects.get(user=world["reader"], kind="new_bill", channel="email").enabled
        is False
    )


def test_an_unknown_kind_is_refused(client: Client, world: dict[str, Any]) -> None:
    response = client.put(
        "/api/v1/notifications/subscriptions",
        json.dumps({"subscriptions": [{"kind": "lottery", "email": True}]}),
        content_type="application/json",
        **auth(world["reader"]),
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert not Subscription.objects.exists()
