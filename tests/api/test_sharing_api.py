"""Customer API for shared access: invite, list, accept, revoke (the pages' services)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from kabinet.billing.models import Account, AccountInvitation, AccountLink
from kabinet.identity.models import User
from kabinet.identity.services.tokens import issue_token
from kabinet.messaging.models import OutgoingMessage
from tests.factories import make_account, make_customer, make_link, make_supplier

pytestmark = pytest.mark.django_db

API = "/api/v1/accounts"


def auth(user: User) -> dict[str, Any]:
    _, key = issue_token(user=user, label="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def account() -> Account:
    return make_account(make_supplier(), number="880022")


@pytest.fixture
def holder(account: Account) -> User:
    user = make_customer()
    make_link(user, account)
    return user


@pytest.fixture
def relative() -> User:
    return make_customer(phone="+79162223344")


def test_invite_accept_list_and_revoke(
    client: Client, holder: User, relative: User, account: Account
) -> None:
    created = client.post(
        f"{API}/{account.pk}/access/invitations",
        {"address": "+7 916 222-33-44"},
        content_type="application/json",
        **auth(holder),
    )
    assert created.status_code == 201, created.content
    assert created.json()["address"] == "+79162223344"
    body = OutgoingMessage.objects.get(to="+79162223344").body
    token = re.search(r"/accounts/invitations/([\w-]+)/", body).group(1)  # type: ignore[union-attr]

    accepted = client.post(
        f"{API}/invitations/accept",
        {"token": token, "relation": "tenant"},
        content_type="application/json",
        **auth(relative),
    )
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["account_id"] == account.pk

    seen = client.get(f"{API}/{account.pk}/access", **auth(holder)).json()
    assert seen["is_holder"] is True
    assert [m["address"] for m in seen["members"]] == ["+79162223344"]
    member_view = client.get(f"{API}/{account.pk}/access", **auth(relative)).json()
    assert member_view["is_holder"] is False
    assert member_view["holder"]

    refused = client.post(
        f"{API}/{account.pk}/access/invitations",
        {"address": "x@example.org"},
        content_type="application/json",
        **auth(relative),
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_holder"
    holder_link = AccountLink.objects.get(user=holder)
    cannot = client.delete(f"{API}/{account.pk}/access/members/{holder_link.pk}", **auth(relative))
    assert cannot.status_code == 404

    link_id = seen["members"][0]["link_id"]
    assert (
        client.delete(f"{API}/{account.pk}/access/members/{link_id}", **auth(holder)).status_code
        == 200
    )
    assert client.get(f"{API}/{account.pk}", **auth(relative)).status_code == 404


def test_errors_are_machine_readable(client: Client, holder: User, account: Account) -> None:
    bad = client.post(
        f"{API}/{account.pk}/access/invitations",
        {"address": "nobody"},
        content_type="application/json",
        **auth(holder),
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_address"
    assert "address" in bad.json()["fields"]
    stale = client.post(
        f"{API}/invitations/accept",
        {"token": "no-such-token"},
        content_type="application/json",
        **auth(holder),
    )
    assert stale.status_code == 404
    assert stale.json()["code"] == "invitation_invalid"

    client.post(
        f"{API}/{account.pk}/access/invitations",
        {"address": "a@example.org"},
        content_type="application/json",
        **auth(holder),
    )
    invitation = AccountInvitation.objects.get()
    stranger = make_customer()
    assert (
        client.delete(
            f"{API}/{account.pk}/access/invitations/{invitation.pk}", **auth(stranger)
        ).status_code
        == 404
    )
    assert (
        client.delete(
            f"{API}/{account.pk}/access/invitations/{invitation.pk}", **auth(holder)
        ).status_code
        == 200
    )
    invitation.refresh_from_db()
    assert invitation.status == AccountInvitation.Status.REVOKED
