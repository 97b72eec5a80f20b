"""Customer API for readings: meters with the window, submission with its error codes, history."""

# The fixtures of tests/metering are imported by name, and pytest passes them back as arguments.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from kabinet.billing.models import Account, AccountLink, Supplier
from kabinet.identity.models import User
from kabinet.identity.services.tokens import issue_token
from kabinet.metering.models import Meter, Reading
from tests.factories import (
    bomb_png_upload,
    make_account,
    make_customer,
    make_meter,
    make_reading,
    make_supplier,
    truncated_jpeg_upload,
)
from tests.metering.conftest import (  # noqa: F401 - fixtures shared with tests/metering
    Clock,
    accepted,
    account,
    clock,
    cold,
    customer,
    day_night,
    electricity,
    link,
    supplier,
    water,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/accounts"

# The operations this router adds under /api/v1/accounts/{account_id}/ (for the lead's walk).
OPERATIONS = {
    ("get", "/api/v1/accounts/{account_id}/meters"),
    ("post", "/api/v1/accounts/{account_id}/readings"),
    ("get", "/api/v1/accounts/{account_id}/readings"),
    ("post", "/api/v1/accounts/{account_id}/readings/with-photo"),
}


def auth(user: User) -> dict[str, Any]:
    _, key = issue_token(user=user, label="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def headers(customer: User, link: AccountLink) -> dict[str, Any]:
    return auth(customer)


def send(client: Client, account: Account, body: dict[str, Any], headers: dict[str, Any]) -> Any:
    return client.post(
        f"{API}/{account.pk}/readings", body, content_type="application/json", **headers
    )


def test_meters_come_with_the_window_and_the_last_accepted_reading(
    clock: Clock, client: Client, headers: dict[str, Any], account: Account, day_night: Meter
) -> None:
    body = client.get(f"{API}/{account.pk}/meters", **headers).json()

    assert body["window"]["is_open"] is True
    assert body["window"]["period"] == "2026-10"
    assert body["window"]["closes_at"] == "2026-10-26T17:00:00+03:00"
    [meter] = body["meters"]
    assert (meter["serial_number"], meter["zones"], meter["unit"]) == (
        "007017945",
        ["День", "Ночь"],
        "кВт·ч",
    )
    assert meter["last_accepted"]["values"] == ["12345.6000", "4567.8000"]
    assert meter["last_accepted"]["status_text"] == "Принято"
    assert meter["entered"] is None


def test_a_submission_is_saved_and_then_shown_as_entered(
    clock: Clock, client: Client, headers: dict[str, Any], account: Account, day_night: Meter
) -> None:
    body = {"readings": [{"meter_id": day_night.pk, "values": ["12400,5", "4600"]}]}

    first = send(client, account, body, headers)
    again = send(client, account, body, headers)

    assert first.status_code == 201, first.content
    assert first.json()["period"] == "2026-10"
    assert again.json()["replaced"] == 1
    assert again.json()["readings"][0]["id"] == first.json()["readings"][0]["id"]
    meters = client.get(f"{API}/{account.pk}/meters", **headers).json()["meters"]
    assert meters[0]["entered"]["values"] == ["12400.5000", "4600.0000"]
    assert meters[0]["entered"]["status_text"] == "Передано"


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        (["12a", "4600"], "not_a_number", "value_1"),
        (["12,4.5", "4600"], "not_a_number", "value_1"),
        (["1234567", "4600"], "too_many_digits", "value_1"),
        (["12400", "4600,55"], "too_many_digits", "value_2"),
        (["-1", "4600"], "negative", "value_1"),
        (["12400", ""], "zones_incomplete", "value_2"),
        (["12000", "4600"], "lower_than_previous", "value_1"),
    ],
)
def test_bad_values_get_a_code_and_a_message_per_zone(
    clock: Clock,
    client: Client,
    headers: dict[str, Any],
    account: Account,
    day_night: Meter,
    values: list[str],
    code: str,
    field: str,
) -> None:
    response = send(
        client, account, {"readings": [{"meter_id": day_night.pk, "values": values}]}, headers
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert list(body["fields"]) == [f"meters.{day_night.pk}.{field}"]
    assert body["fields"][f"meters.{day_night.pk}.{field}"] == [body["message"]]
    assert not Reading.objects.filter(source="portal").exists()


def test_roll_over_and_jump_are_confirmed_with_explicit_flags(
    clock: Clock, client: Client, headers: dict[str, Any], account: Account, cold: Meter
) -> None:
    rolled = make_meter(account, integer_digits=4, fraction_digits=0)
    accepted(rolled, dt.date(2026, 9, 20), "9990")
    accepted(cold, dt.date(2025, 11, 20), "70.5")
    accepted(cold, dt.date(2026, 5, 20), "100.5")
    body: dict[str, Any] = {
        "readings": [
            {"meter_id": rolled.pk, "values": ["12"]},
            {"meter_id": cold.pk, "values": ["300"]},
        ]
    }

    refused = send(client, account, body, headers).json()
    assert refused["code"] == "needs_rollover_confirmation"
    assert set(refused["fields"]) == {f"meters.{rolled.pk}.value_1", f"meters.{cold.pk}.value_1"}
    assert (
        send(client, account, {**body, "confirm_rollover": True}, headers).json()["code"]
        == "needs_jump_confirmation"
    )

    ok = send(client, account, {**body, "confirm_rollover": True, "confirm_jump": True}, headers)
    assert ok.status_code == 201
    saved = Reading.objects.filter(source="portal")
    assert {(r.meter_id, r.rollover_confirmed, r.jump_confirmed) for r in saved} == {
        (rolled.pk, True, False),
        (cold.pk, False, True),
    }


def test_a_closed_window_an_automatic_meter_and_a_foreign_meter_are_refused(
    clock: Clock, client: Client, headers: dict[str, Any], account: Account, day_night: Meter
) -> None:
    foreign = make_meter(make_account(account.supplier))
    remote = make_meter(account, is_automatic=True)

    other = send(
        client, account, {"readings": [{"meter_id": foreign.pk, "values": ["1"]}]}, headers
    )
    assert (other.json()["code"], list(other.json()["fields"])) == (
        "meter_not_found",
        [f"meters.{foreign.pk}"],
    )
    auto = send(client, account, {"readings": [{"meter_id": remote.pk, "values": ["1"]}]}, headers)
    assert auto.json()["code"] == "automatic_meter"

    clock.moment = dt.datetime(2026, 10, 27, 9, 0, tzinfo=clock.moment.tzinfo)
    closed = send(
        client, account, {"readings": [{"meter_id": day_night.pk, "values": ["1", "1"]}]}, headers
    )
    assert (closed.status_code, closed.json()["code"]) == (400, "window_closed")
    window = client.get(f"{API}/{account.pk}/meters", **headers).json()["window"]
    assert (window["is_open"], window["days_until_open"]) == (False, 19)
    assert "Приём показаний закрыт" in window["message"]


def test_a_photo_can_be_sent_as_multipart(
    clock: Clock, client: Client, headers: dict[str, Any], account: Account, day_night: Meter
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "photo.jpg"
    data = json.dumps({"readings": [{"meter_id": day_night.pk, "values": ["12400", "4600"]}]})

    response = client.post(
        f"{API}/{account.pk}/readings/with-photo", {"data": data, "photo": buffer}, **headers
    )

    assert response.status_code == 201, response.content
    assert response.json()["readings"][0]["has_photo"] is True
    buffer = io.BytesIO(b"GIF89a not allowed")
    buffer.name = "photo.gif"
    bad = client.post(
        f"{API}/{account.pk}/readings/with-photo", {"data": data, "photo": buffer}, **headers
    )
    assert (bad.status_code, bad.json()["code"], list(bad.json()["fields"])) == (
        400,
        "photo_invalid",
        ["photo"],
    )


@pytest.mark.parametrize("upload", [bomb_png_upload, truncated_jpeg_upload])
def test_a_photo_the_decoder_refuses_is_a_400_with_the_field(
    clock: Clock,
    client: Client,
    headers: dict[str, Any],
    account: Account,
    day_night: Meter,
    upload: Any,
) -> None:
    data = json.dumps({"readings": [{"meter_id": day_night.pk, "values": ["12400", "4600"]}]})
    response = client.post(
        f"{API}/{account.pk}/readings/with-photo", {"data": data, "photo": upload()}, **headers
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["fields"]["photo"]) == (
        "photo_invalid",
        ["Файл повреждён или это не изображение."],
    )
    assert not Reading.objects.filter(source="portal").exists()


def test_history_filters_by_period(
    clock: Clock, client: Client, headers: dict[str, Any], account: Account, day_night: Meter
) -> None:
    make_reading(
        day_night, period=dt.date(2026, 3, 1), taken_on=dt.date(2026, 3, 20),
        value_1=Decimal("12000"), value_2=Decimal("4000"),
        status=Reading.Status.BILLED, billed_period=dt.date(2026, 3, 1),
    )  # fmt: skip

    default = client.get(f"{API}/{account.pk}/readings", **headers).json()
    march = client.get(
        f"{API}/{account.pk}/readings?period_from=2026-03&period_to=2026-03", **headers
    ).json()

    assert [r["taken_on"] for r in default] == ["2026-09-20"]
    assert [(r["taken_on"], r["status_text"]) for r in march] == [
        ("2026-03-20", "Учтено в счёте за март 2026")
    ]
    bad = client.get(f"{API}/{account.pk}/readings?period_from=2026-13", **headers)
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_period")


def test_every_readings_endpoint_is_404_for_another_user(
    clock: Clock, client: Client, account: Account, day_night: Meter, link: AccountLink
) -> None:
    stranger = auth(make_customer())
    body: dict[str, Any] = {"readings": [{"meter_id": day_night.pk, "values": ["12400", "4600"]}]}
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("get", f"{API}/{account.pk}/meters", None),
        ("post", f"{API}/{account.pk}/readings", body),
        ("get", f"{API}/{account.pk}/readings", None),
        ("post", f"{API}/{account.pk}/readings/with-photo", None),
    ]
    for method, address, payload in calls:
        kwargs: dict[str, Any] = {"content_type": "application/json"} if payload else {}
        if method == "post" and payload is None:
            payload = {"data": json.dumps(body), "photo": io.BytesIO(b"\xff\xd8\xff")}
        response = getattr(client, method)(address, payload, **kwargs, **stranger)
        assert response.status_code == 404, (method, address)
        assert response.json()["code"] == "not_found"
    assert not Reading.objects.filter(source="portal").exists()
    schema = client.get("/api/v1/openapi.json").json()
    ours = {
        (method, path)
        for path, item in schema["paths"].items()
        for method in item
        if path.startswith("/api/v1/accounts/{account_id}/")
        and ("/meters" in path or "/readings" in path)
    }
    walked = {(m, a.replace(f"{API}/{account.pk}/", f"{API}/{{account_id}}/")) for m, a, _ in calls}
    assert ours == OPERATIONS == walked


def test_each_meter_comes_with_its_own_suppliers_window_in_its_zone(
    clock: Clock, client: Client, headers: dict[str, Any], account: Account, day_night: Meter
) -> None:
    tomsk = make_supplier(
        short_name="Томскводоканал",
        time_zone="Asia/Tomsk",
        readings_first_day=1,
        readings_last_day=10,
        readings_close_time=dt.time(18, 0),
    )
    make_meter(account, supplier=tomsk, serial_number="TOM-1")

    body = client.get(f"{API}/{account.pk}/meters", **headers).json()

    by_serial = {m["serial_number"]: m for m in body["meters"]}
    own, other = by_serial["007017945"]["window"], by_serial["TOM-1"]["window"]
    assert (own["is_open"], own["time_zone"], own["zone_note"]) == (True, "Europe/Moscow", "")
    assert own["message"] == (
        "Показания принимаются с 15 по 26 число (до 17:00 последнего дня). "
        "Приём открыт до 26.10.2026 17:00."
    )
    assert by_serial["TOM-1"]["supplier"] == "Томскводоканал"
    assert (other["is_open"], other["time_zone"], other["zone_note"]) == (
        False,
        "Asia/Tomsk",
        "по времени Томска",
    )
    assert other["opens_at"] == "2026-11-01T00:00:00+07:00"
    assert other["closes_at"] == "2026-11-10T18:00:00+07:00"
    assert other["message"].endswith("01.11.2026 00:00 по времени Томска.")
    # Two suppliers: the top-level window is the account's own supplier's.
    assert body["window"] == own

    refused = send(
        client,
        account,
        {"readings": [{"meter_id": by_serial["TOM-1"]["id"], "values": ["1"]}]},
        headers,
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "window_closed")
    assert list(refused.json()["fields"]) == [f"meters.{by_serial['TOM-1']['id']}"]


def test_an_account_whose_meters_all_belong_to_another_supplier_shows_that_window(
    clock: Clock, client: Client, headers: dict[str, Any], account: Account
) -> None:
    yekaterinburg = make_supplier(
        time_zone="Asia/Yekaterinburg", readings_first_day=10, readings_last_day=25
    )
    make_meter(account, supplier=yekaterinburg)

    window = client.get(f"{API}/{account.pk}/meters", **headers).json()["window"]

    assert (window["time_zone"], window["zone_note"]) == (
        "Asia/Yekaterinburg",
        "по времени Екатеринбурга",
    )
    assert window["closes_at"] == "2026-10-26T00:00:00+05:00"


def test_an_overdue_meter_is_refused_with_a_code_where_its_supplier_wants_none(
    clock: Clock, client: Client, headers: dict[str, Any], account: Account, day_night: Meter
) -> None:
    Meter.objects.filter(pk=day_night.pk).update(verification_due=dt.date(2026, 10, 1))
    Supplier.objects.filter(pk=account.supplier_id).update(
        readings_overdue_verification=Supplier.OverdueVerification.REFUSE
    )

    meter = client.get(f"{API}/{account.pk}/meters", **headers).json()["meters"][0]
    response = send(
        client,
        account,
        {"readings": [{"meter_id": day_night.pk, "values": ["12400", "4600"]}]},
        headers,
    )

    message = (
        "Истёк срок поверки прибора учёта № 007017945 (поверка до 01.10.2026). Передать "
        "показания можно после поверки."
    )
    assert (meter["verification_overdue"], meter["overdue_message"]) == (True, message)
    assert response.status_code == 400
    assert response.json() == {
        "code": "verification_overdue",
        "message": message,
        "fields": {f"meters.{day_night.pk}": [message]},
    }
    assert not Reading.objects.filter(source="portal").exists()


def test_an_overdue_meter_is_accepted_flagged_where_its_supplier_takes_it(
    clock: Clock, client: Client, headers: dict[str, Any], account: Account, day_night: Meter
) -> None:
    Meter.objects.filter(pk=day_night.pk).update(verification_due=dt.date(2026, 10, 1))

    meter = client.get(f"{API}/{account.pk}/meters", **headers).json()["meters"][0]
    response = send(
        client,
        account,
        {"readings": [{"meter_id": day_night.pk, "values": ["12400", "4600"]}]},
        headers,
    )

    assert meter["verification_overdue"] is True
    assert meter["overdue_message"].startswith("Истёк срок поверки прибора учёта")
    assert response.status_code == 201
    assert response.json()["readings"][0]["verification_overdue"] is True
    assert Reading.objects.get(source="portal").verification_overdue is True
