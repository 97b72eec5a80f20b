"""Customer API /api/v1/accounts: list, link, unlink, edit, overview, charges, details."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from kabinet.billing.models import Account, AccountLink, Service, Supplier
from kabinet.identity.models import User
from kabinet.identity.services.tokens import issue_token
from tests.factories import (
    fill_charges,
    make_account,
    make_bill,
    make_customer,
    make_link,
    make_meter,
    make_premises,
    make_supplier,
)
from tests.identity.conftest import solve_captcha

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
API = "/api/v1/accounts"
INVALID = "Неверные данные для привязки лицевого счёта"


@pytest.fixture
def customer() -> User:
    return make_customer()


def auth(user: User) -> dict[str, Any]:
    _, key = issue_token(user=user, label="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def headers(customer: User) -> dict[str, Any]:
    return auth(customer)


@pytest.fixture
def energy() -> Supplier:
    return make_supplier(short_name="ТЭСК")


@pytest.fixture
def waste() -> Supplier:
    return make_supplier(short_name="ТКО Регион", kind=Supplier.Kind.WASTE)


@pytest.fixture
def electricity() -> Service:
    from tests.factories import make_service

    return make_service(name="Электроснабжение", sort_order=1)


@pytest.fixture
def account(energy: Supplier) -> Account:
    account = make_account(
        energy,
        number="700123",
        link_code="Q1W2E3",
        owner_name="Петрова Анна",
        premises=make_premises(flat="17"),
    )
    make_bill(account, period=OCT, sections=[(energy, Decimal("1500.00"))])
    return account


def post(client: Client, path: str, body: dict[str, Any], headers: dict[str, Any]) -> Any:
    return client.post(f"{API}{path}", body, content_type="application/json", **headers)


def test_anonymous_is_401(client: Client) -> None:
    response = client.get(API)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_link_list_patch_delete(
    client: Client, customer: User, headers: dict[str, Any], energy: Supplier, account: Account
) -> None:
    body = {
        "supplier_id": energy.pk,
        "number": "л/с 700123",
        "relation": "owner",
        "question": "bill_total",
        "bill_total": "1500,00",
        "alias": "Дом",
        "paperless": True,
    }
    response = post(client, "/link", body, headers)
    assert response.status_code == 201, response.content
    assert response.json()["account_id"] == account.pk
    assert response.json()["paperless"] is True

    again = post(client, "/link", body, headers)
    assert again.status_code == 400
    assert again.json()["code"] == "already_linked"

    listed = client.get(API, **headers).json()
    assert [(a["account_id"], a["alias"], a["balance"]) for a in listed] == [
        (account.pk, "Дом", "1500.00")
    ]

    patched = client.patch(
        f"{API}/{account.pk}",
        {"note": "Введите заметку", "group": "Семья", "paperless": False},
        content_type="application/json",
        **headers,
    )
    assert patched.status_code == 200
    assert (patched.json()["note"], patched.json()["group"], patched.json()["paperless"]) == (
        "Введите заметку",
        "Семья",
        False,
    )
    assert AccountLink.objects.get(user=customer).alias == "Дом"

    too_long = client.patch(
        f"{API}/{account.pk}", {"alias": "x" * 61}, content_type="application/json", **headers
    )
    assert too_long.status_code == 400
    assert "alias" in too_long.json()["fields"]

    deleted = client.delete(f"{API}/{account.pk}", **headers)
    assert deleted.status_code == 200
    assert client.get(API, **headers).json() == []


def test_link_errors(
    client: Client, headers: dict[str, Any], energy: Supplier, account: Account
) -> None:
    wrong = {
        "supplier_id": energy.pk,
        "number": "700123",
        "relation": "owner",
        "question": "code",
        "code": "nope",
    }
    response = post(client, "/link", wrong, headers)
    assert response.status_code == 400
    assert response.json() == {"code": "invalid_link_data", "message": INVALID, "fields": {}}
    unknown = post(client, "/link", {**wrong, "number": "1", "code": "Q1W2E3"}, headers)
    assert unknown.json()["message"] == INVALID
    no_supplier = post(client, "/link", {**wrong, "supplier_id": 999999}, headers)
    assert no_supplier.status_code == 400
    assert "supplier_id" in no_supplier.json()["fields"]
    missing = post(client, "/link", {"supplier_id": energy.pk}, headers)
    assert missing.status_code == 422
    assert "number" in missing.json()["fields"]
    for _ in range(10):
        post(client, "/link", wrong, headers)
    throttled = post(client, "/link", {**wrong, "code": "Q1W2E3"}, headers)
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"


def test_overview_charges_details(
    client: Client,
    customer: User,
    headers: dict[str, Any],
    energy: Supplier,
    waste: Supplier,
    electricity: Service,
) -> None:
    account = make_account(energy, premises=make_premises())
    make_link(customer, account)
    fill_charges(account, energy, waste, electricity)
    make_meter(account, electricity, fraction_digits=2, integer_digits=6)

    overview = client.get(f"{API}/{account.pk}", **headers).json()
    assert overview["balance"] == "1293.72"
    assert overview["debt"] == "1293.72"
    assert overview["due_date"] == "2026-11-25"
    assert {s["supplier"] for s in overview["sections"]} == {"ТЭСК", "ТКО Регион"}

    charges = client.get(f"{API}/{account.pk}/charges", **headers).json()
    assert charges["period"] == "2026-10"
    assert charges["periods"] == ["2026-10", "2026-09"]
    assert charges["totals"]["total"] == "1293.72"
    assert charges["totals"]["penalties"] == "3.17"
    september = client.get(f"{API}/{account.pk}/charges?period=2026-09", **headers).json()
    assert september["period"] == "2026-09"
    empty = client.get(f"{API}/{account.pk}/charges?period=2020-01", **headers).json()
    assert empty["suppliers"] == []
    assert empty["totals"]["total"] == "0.00"
    bad = client.get(f"{API}/{account.pk}/charges?period=junk", **headers)
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_period"

    details = client.get(f"{API}/{account.pk}/details", **headers).json()
    assert details["meters"][0]["capacity"] == "6.2"
    assert any(c["tariff_name"] == "Одноставочный 2026" for c in details["contracts"])
    assert len(details["tariff_history"]) == 2
    assert {s["name"] for s in details["suppliers"]} == {energy.name, waste.name}


def test_every_account_endpoint_is_404_for_another_user(
    client: Client, customer: User, energy: Supplier, account: Account
) -> None:
    make_link(customer, account)
    bill = make_bill(account)
    stranger = auth(make_customer())
    calls = [
        ("get", f"{API}/{account.pk}", None),
        ("patch", f"{API}/{account.pk}", {"alias": "mine"}),
        ("delete", f"{API}/{account.pk}", None),
        ("get", f"{API}/{account.pk}/charges", None),
        ("get", f"{API}/{account.pk}/details", None),
        ("get", f"{API}/{account.pk}/bills", None),
        ("get", f"{API}/{account.pk}/bills/{bill.pk}/pdf", None),
        ("get", f"{API}/{account.pk}/charges/history", None),
        ("get", f"{API}/{account.pk}/access", None),
        ("post", f"{API}/{account.pk}/access/invitations", {"address": "a@example.org"}),
        ("delete", f"{API}/{account.pk}/access/invitations/1", None),
        ("delete", f"{API}/{account.pk}/access/members/1", None),
    ]
    for method, url, body in calls:
        kwargs: dict[str, Any] = {"content_type": "application/json"} if body else {}
        response = getattr(client, method)(url, body, **kwargs, **stranger)
        assert response.status_code == 404, (method, url)
        assert response.json()["code"] == "not_found"
    assert AccountLink.objects.filter(user=customer, alias="").exists()
    # The schema holds no other account-scoped operation than those walked above and those the
    # readings, payments and support API tests walk as a stranger (each with a valid body).
    schema = client.get("/api/v1/openapi.json").json()
    scoped = {
        (method, path)
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/accounts/{")
        for method in item
    }
    assert len(scoped - WALKED_ELSEWHERE) == len(calls)
    assert scoped >= WALKED_ELSEWHERE


WALKED_ELSEWHERE = {
    # tests/api/test_readings_api.py::test_every_readings_endpoint_is_404_for_another_user
    ("get", "/api/v1/accounts/{account_id}/meters"),
    ("post", "/api/v1/accounts/{account_id}/readings"),
    ("get", "/api/v1/accounts/{account_id}/readings"),
    ("post", "/api/v1/accounts/{account_id}/readings/with-photo"),
    # tests/api/test_payments_api.py::test_every_payment_endpoint_is_404_for_another_user
    ("get", "/api/v1/accounts/{account_id}/payment-lines"),
    ("post", "/api/v1/accounts/{account_id}/payments"),
    ("get", "/api/v1/accounts/{account_id}/payments"),
    # tests/api/test_support_api.py::test_everything_of_another_customer_is_404
    ("get", "/api/v1/accounts/{account_id}/documents"),
    ("post", "/api/v1/accounts/{account_id}/documents"),
    # tests/api/test_history_api.py::test_another_customers_account_is_404
    ("get", "/api/v1/accounts/{account_id}/events"),
    ("get", "/api/v1/accounts/{account_id}/statistics"),
    # tests/api/test_home_api.py::test_an_accounts_appeals_are_its_own_only
    ("get", "/api/v1/accounts/{account_id}/appeals"),
}


def test_session_auth_works_too(client: Client, customer: User) -> None:
    client.force_login(customer)
    assert client.get(API).status_code == 200


def test_bills_list_and_pdf(client: Client, customer: User, account: Account) -> None:
    make_link(customer, account)
    october = account.bills.get()  # the fixture's October bill
    make_bill(account, period=dt.date(2026, 8, 1))
    other = make_bill(make_account())

    listed = client.get(f"{API}/{account.pk}/bills?period_from=2026-09", **auth(customer))

    assert listed.status_code == 200
    assert [b["period"] for b in listed.json()] == ["2026-10"]
    assert listed.json()[0]["total"] == str(october.total)
    pdf = client.get(listed.json()[0]["pdf_url"], **auth(customer))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # A bill of another account under this account's id is not found.
    foreign = client.get(f"{API}/{account.pk}/bills/{other.pk}/pdf", **auth(customer))
    assert foreign.status_code == 404
    bad = client.get(f"{API}/{account.pk}/bills?period_from=2026-13", **auth(customer))
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_period")


def test_link_past_the_global_cap_answers_captcha_required(
    client: Client,
    headers: dict[str, Any],
    energy: Supplier,
    account: Account,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    """Strangers' tries used up the cap in total: a customer solves a hard captcha and links."""
    from kabinet.billing import services

    settings.ALTCHA_MAX_NUMBER = 2000  # a small proof of work keeps the test fast
    monkeypatch.setattr(services, "LINK_LIMIT_GLOBAL", 1)
    body = {
        "supplier_id": energy.pk,
        "number": "700123",
        "relation": "owner",
        "question": "code",
        "code": "Q1W2E3",
    }
    post(client, "/link", {**body, "code": "nope"}, auth(make_customer()))

    asked = post(client, "/link", body, headers)

    assert asked.status_code == 400
    assert asked.json()["code"] == "captcha_required"
    assert list(asked.json()["fields"]) == ["altcha"]
    easy = post(client, "/link", {**body, "altcha": solve_captcha(client)}, headers)
    assert easy.json()["code"] == "captcha_required"

    linked = post(client, "/link", {**body, "altcha": solve_captcha(client, hard=True)}, headers)

    assert linked.status_code == 201
    assert linked.json()["account_id"] == account.pk
