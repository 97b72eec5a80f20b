"""The customer API of the home page and the profile's settings: the accounts' summary, e-mail
or paper bills, mailings, consents, and an account's appeals — all in the OpenAPI schema, each
id checked against the customer's own links."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from kabinet.billing.models import Supplier
from kabinet.identity.models import Consent, User
from kabinet.identity.services.consents import accept_consent
from kabinet.identity.services.tokens import issue_token
from kabinet.metering import windows
from tests.factories import (
    PASSWORD,
    file_appeal,
    file_request,
    make_account,
    make_bill,
    make_customer,
    make_link,
    make_meter,
    make_payment,
    make_supplier,
)

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")


def auth(user: User) -> dict[str, Any]:
    _, key = issue_token(user=user, label="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def supplier() -> Supplier:
    return make_supplier(
        short_name="ТЭСК",
        time_zone="Europe/Moscow",
        readings_first_day=15,
        readings_last_day=25,
        readings_close_time=None,
    )


@pytest.fixture
def headers(customer: User) -> dict[str, Any]:
    return auth(customer)


def test_the_home_summary_has_what_is_left_to_pay_the_window_and_the_actions(
    client: Client,
    headers: dict[str, Any],
    customer: User,
    supplier: Supplier,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(windows, "now", lambda: dt.datetime(2026, 11, 20, 12, tzinfo=MSK))
    account = make_account(supplier)
    make_link(customer, account, alias="Квартира")
    make_bill(
        account,
        [(supplier, Decimal("1545.13"))],
        period=dt.date(2026, 10, 1),
        issued_on=dt.date(2026, 11, 1),
        due_date=dt.date(2026, 11, 25),
    )
    make_payment(
        account, amount=Decimal("545.13"), paid_at=dt.datetime(2026, 11, 3, 9, tzinfo=dt.UTC)
    )
    make_meter(account)

    body = client.get("/api/v1/home", **headers).json()
    (card,) = body["accounts"]
    assert card["account_id"] == account.pk
    assert card["alias"] == "Квартира"
    assert card["suppliers"] == ["ТЭСК"]
    assert Decimal(card["balance"]) == Decimal("1545.13")
    assert Decimal(card["remaining"]) == Decimal("1000.00")
    assert card["due_date"] == "2026-11-25"
    assert card["days_left"] == 5
    assert card["readings"][0]["is_open"] is True
    assert card["readings"][0]["text"] == "Передать до 25.11"
    assert card["readings"][0]["missing"] == 1
    assert [a["kind"] for a in card["actions"]] == ["pay", "submit_readings"]
    assert Decimal(card["actions"][0]["amount"]) == Decimal("1000.00")


def test_e_bills_per_account_and_only_own_accounts(
    client: Client, headers: dict[str, Any], customer: User, supplier: Supplier
) -> None:
    mine = make_link(customer, make_account(supplier))
    theirs = make_link(make_customer(), make_account(supplier))
    assert client.get("/api/v1/profile/e-bills", **headers).json()[0]["delivery"] == "paper"

    body = {"accounts": [{"account_id": mine.account_id, "delivery": "email"}]}
    response = client.put(
        "/api/v1/profile/e-bills", body, content_type="application/json", **headers
    )
    assert response.status_code == 200
    assert response.json() == [
        {
            "account_id": mine.account_id,
            "number": str(mine.account),
            "address": mine.account.premises.address if mine.account.premises else "",
            "supplier": "ТЭСК",
            "delivery": "email",
        }
    ]
    body = {"accounts": [{"account_id": theirs.account_id, "delivery": "email"}]}
    response = client.put(
        "/api/v1/profile/e-bills", body, content_type="application/json", **headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_account"
    theirs.refresh_from_db()
    assert not theirs.paperless


def test_mailings_need_the_consent_and_its_withdrawal_is_at_once(
    client: Client, headers: dict[str, Any], customer: User, supplier: Supplier
) -> None:
    make_link(customer, make_account(supplier))
    wanted = {"suppliers": [{"supplier_id": supplier.pk, "email": True}]}
    response = client.put(
        "/api/v1/profile/marketing", wanted, content_type="application/json", **headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "consent_required"

    response = client.put(
        "/api/v1/profile/marketing",
        {**wanted, "give_consent": True},
        content_type="application/json",
        **headers,
    )
    assert response.json() == {
        "consented": True,
        "suppliers": [
            {"supplier_id": supplier.pk, "name": supplier.name, "email": True, "sms": False}
        ],
    }
    stranger = make_supplier()
    response = client.put(
        "/api/v1/profile/marketing",
        {"suppliers": [{"supplier_id": stranger.pk, "sms": True}]},
        content_type="application/json",
        **headers,
    )
    assert response.json()["code"] == "unknown_supplier"

    assert client.post("/api/v1/profile/consents/marketing/withdraw", **headers).json() == {
        "ok": True
    }
    assert client.get("/api/v1/profile/marketing", **headers).json()["consented"] is False
    consents = client.get("/api/v1/profile/consents", **headers).json()
    (marketing,) = [c for c in consents if c["kind"] == "marketing"]
    assert marketing["withdrawn_at"] is not None
    assert marketing["version"] == "1"
    assert "рекламно-информационных рассылок" in marketing["text"]


def test_withdrawing_the_personal_data_consent_closes_the_account(
    client: Client, customer: User
) -> None:
    accept_consent(user=customer, kind=Consent.Kind.PERSONAL_DATA, ip_address=None)
    headers = auth(customer)
    url = "/api/v1/profile/consents/personal_data/withdraw"
    response = client.post(
        url, {"current_password": PASSWORD, "confirm": False}, "application/json", **headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "not_confirmed"
    response = client.post(
        url, {"current_password": PASSWORD, "confirm": True}, "application/json", **headers
    )
    assert response.status_code == 200
    assert not User.objects.filter(pk=customer.pk).exists()
    assert client.get("/api/v1/home", **headers).status_code == 401


def test_an_accounts_appeals_are_its_own_only(
    client: Client, headers: dict[str, Any], customer: User, supplier: Supplier
) -> None:
    here = make_link(customer, make_account(supplier))
    there = make_link(customer, make_account(supplier))
    appeal = file_appeal(here)
    file_appeal(there)
    request = file_request(here)
    body = client.get(f"/api/v1/accounts/{here.account_id}/appeals", **headers).json()
    assert [a["id"] for a in body["appeals"]] == [appeal.pk]
    assert [r["id"] for r in body["requests"]] == [request.pk]
    assert body["date_to"] == timezone.localdate().isoformat()

    theirs = make_link(make_customer(), make_account(supplier))
    response = client.get(f"/api/v1/accounts/{theirs.account_id}/appeals", **headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_every_new_operation_is_in_the_schema_with_its_errors(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, method in [
        ("/api/v1/home", "get"),
        ("/api/v1/profile/e-bills", "put"),
        ("/api/v1/profile/marketing", "put"),
        ("/api/v1/profile/consents", "get"),
        ("/api/v1/profile/consents/marketing/withdraw", "post"),
        ("/api/v1/profile/consents/personal_data/withdraw", "post"),
        ("/api/v1/accounts/{account_id}/appeals", "get"),
    ]:
        responses = paths[path][method]["responses"]
        assert {"200", "400", "401", "422"} <= {str(code) for code in responses}, path
