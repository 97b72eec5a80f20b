"""Customer API: /accounts/{id}/events and /accounts/{id}/statistics, the same timeline and
statistics as the pages, with machine-readable errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from kabinet.identity.models import User
from kabinet.identity.services.tokens import issue_token
from tests.factories import make_charge, make_customer
from tests.portal.sample import History, make_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer() -> User:
    return make_customer()


@pytest.fixture
def history(customer: User) -> History:
    return make_history(customer)


@pytest.fixture
def headers(customer: User) -> dict[str, Any]:
    _, key = issue_token(user=customer, label="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _events(client: Client, history: History, headers: dict[str, Any], **query: str) -> Any:
    return client.get(f"/api/v1/accounts/{history.account.pk}/events", query, **headers)


def test_events_of_a_month_with_the_reading_linked_to_its_bill(
    client: Client, history: History, headers: dict[str, Any]
) -> None:
    response = _events(client, history, headers, date_from="2026-10", date_to="2026-11")

    assert response.status_code == 200
    body = response.json()
    assert [m["period"] for m in body["months"]] == ["2026-11", "2026-10"]
    october = {(e["kind"], e["id"]): e for e in body["months"][1]["events"]}
    reading = october["reading", history.reading.pk]
    pdf = f"/accounts/{history.account.pk}/bills/{history.bill.pk}.pdf"
    assert (reading["bill_id"], reading["bill_pdf"]) == (history.bill.pk, pdf)
    bill = october["bill", history.bill.pk]
    assert Decimal(bill["amount"]) == Decimal("1545.13")
    assert [p["label"] for p in bill["parts"]] == ["Водоканал", "ТЭСК"]
    assert october["payment", history.payment.pk]["day"] == "2026-10-20"
    assert {e["kind"] for e in body["months"][0]["events"]} == {"payment"}


def test_events_filtered_by_kind(client: Client, history: History, headers: dict[str, Any]) -> None:
    response = _events(
        client, history, headers, date_from="2026-10", date_to="2026-10", kind="bill,reading"
    )

    kinds = sorted(e["kind"] for e in response.json()["months"][0]["events"])
    assert kinds == ["bill", "reading"]


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ({"date_from": "2026-13"}, "invalid_period", "date_from"),
        ({"date_from": "2026-11", "date_to": "2026-10"}, "invalid_range", "date_to"),
        ({"date_from": "1990-01", "date_to": "2026-10"}, "too_long", "date_from"),
        ({"kind": "bill,gossip"}, "invalid_kind", "kind"),
    ],
)
def test_a_wrong_filter_is_a_400_naming_the_field(
    client: Client,
    history: History,
    headers: dict[str, Any],
    query: dict[str, str],
    code: str,
    field: str,
) -> None:
    response = _events(client, history, headers, **query)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert list(body["fields"]) == [field]


def test_statistics_series_with_last_years_months(
    client: Client, history: History, headers: dict[str, Any]
) -> None:
    power = history.electricity
    make_charge(history.account, power, period=dt.date(2026, 4, 1), zone="day", volume=Decimal(300))
    make_charge(
        history.account, power, period=dt.date(2026, 4, 1), zone="night", volume=Decimal(77)
    )
    make_charge(history.account, power, period=dt.date(2025, 4, 1), zone="day", volume=Decimal(200))

    response = client.get(
        f"/api/v1/accounts/{history.account.pk}/statistics", {"year": 2026}, **headers
    )

    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2026
    assert 2025 in body["years"]
    service = body["services"][0]
    assert service["unit"] == "кВт·ч"
    april = service["months"][3]
    assert april["period"] == "2026-04"
    assert (Decimal(april["value"]), Decimal(april["last_year"])) == (377, 200)
    assert service["summary"]["highest"] == "2026-04"
    assert [z["title"] for z in service["zones"]] == ["T1 день", "T2 ночь"]
    assert Decimal(body["charges"]["months"][3]["value"]) == Decimal("1000.00")


def test_a_year_without_data_is_refused(
    client: Client, history: History, headers: dict[str, Any]
) -> None:
    response = client.get(
        f"/api/v1/accounts/{history.account.pk}/statistics", {"year": 1812}, **headers
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_year"


def test_another_customers_account_is_404(client: Client, history: History) -> None:
    _, key = issue_token(user=make_customer(), label="test")
    stranger: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    for path in ("events", "statistics"):
        response = client.get(f"/api/v1/accounts/{history.account.pk}/{path}", **stranger)
        assert response.status_code == 404


def test_the_schema_documents_both_endpoints_with_errors(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()

    for path in (
        "/api/v1/accounts/{account_id}/events",
        "/api/v1/accounts/{account_id}/statistics",
    ):
        responses = schema["paths"][path]["get"]["responses"]
        assert {"200", "400", "401", "404"} <= set(responses)
    kind = next(
        p
        for p in schema["paths"]["/api/v1/accounts/{account_id}/events"]["get"]["parameters"]
        if p["name"] == "kind"
    )
    assert "reading" in kind["description"]
