"""Round trip with billing: portal submission → export_billing → billing's answer → import_billing
→ what the customer sees; statuses only move forward."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from kabinet.billing.models import Account, AccountLink
from kabinet.identity.models import User
from kabinet.metering.models import Meter, Reading
from kabinet.metering.services import submit_readings
from tests.billing.exchange_files import write_csv
from tests.factories import make_meter
from tests.metering.conftest import Clock

pytestmark = pytest.mark.django_db


def export(tmp_path: Path) -> list[dict[str, str]]:
    out = io.StringIO()
    call_command(
        "export_billing", "--since", "2000-01-01", "--kind", "readings", "--out", str(tmp_path),
        stdout=out,
    )  # fmt: skip
    [path] = tmp_path.glob("readings_*.csv")
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def answer(tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    call_command("import_billing", str(write_csv(tmp_path, "readings_answer.csv", rows)))


def test_billings_answer_reaches_the_customer(
    clock: Clock,
    tmp_path: Path,
    client: Client,
    customer: User,
    link: AccountLink,
    account: Account,
    day_night: Meter,
    cold: Meter,
) -> None:
    third = make_meter(account, serial_number="HOT-3", fraction_digits=0)
    submit_readings(
        user=customer,
        link=link,
        values={day_night.pk: ["12400,5", "4600"], cold.pk: ["125.25"], third.pk: ["77"]},
    )

    exported = export(tmp_path / "out")
    by_meter = {row["meter_id"]: row for row in exported}
    assert by_meter[day_night.external_id]["value_1"] == "12400.5"
    assert by_meter[day_night.external_id]["value_2"] == "4600.0"
    assert by_meter[cold.external_id]["value_1"] == "125.250"
    assert {row["period"] for row in exported} == {"2026-10"}

    supplier = account.supplier.code
    answer(
        tmp_path,
        [
            {"supplier": supplier, "meter_id": day_night.external_id,
             "portal_id": by_meter[day_night.external_id]["portal_id"], "status": "accepted"},
            {"supplier": supplier, "meter_id": cold.external_id,
             "portal_id": by_meter[cold.external_id]["portal_id"], "status": "rejected",
             "reason": "Показание меньше контрольного"},
            {"supplier": supplier, "meter_id": third.external_id,
             "portal_id": by_meter[third.external_id]["portal_id"], "status": "billed",
             "billed_period": "2026-10"},
        ],
    )  # fmt: skip

    client.force_login(customer)
    page = client.get(reverse("readings:history", args=[account.pk])).content.decode()
    assert "Принято" in page
    assert "Отклонено: Показание меньше контрольного" in page
    assert "Учтено в счёте за октябрь 2026" in page
    statuses = dict(Reading.objects.filter(source="portal").values_list("meter_id", "status"))
    assert statuses == {day_night.pk: "accepted", cold.pk: "rejected", third.pk: "billed"}


def test_a_status_never_goes_back(
    clock: Clock, tmp_path: Path, customer: User, link: AccountLink, day_night: Meter
) -> None:
    [reading] = submit_readings(
        user=customer, link=link, values={day_night.pk: ["12400", "4600"]}
    ).readings
    row = {"supplier": day_night.supplier.code, "meter_id": day_night.external_id,
           "portal_id": reading.pk}  # fmt: skip

    answer(tmp_path, [{**row, "status": "billed", "billed_period": "2026-10"}])
    answer(tmp_path, [{**row, "status": "accepted"}])

    reading.refresh_from_db()
    assert (reading.status, reading.billed_period) == ("billed", dt.date(2026, 10, 1))


def test_an_answered_reading_is_no_longer_replaced(
    clock: Clock, tmp_path: Path, customer: User, link: AccountLink, day_night: Meter
) -> None:
    [first] = submit_readings(
        user=customer, link=link, values={day_night.pk: ["12400", "4600"]}
    ).readings
    answer(
        tmp_path,
        [{"supplier": day_night.supplier.code, "meter_id": day_night.external_id,
          "portal_id": first.pk, "status": "rejected", "reason": "Не совпадает с фото"}],
    )  # fmt: skip

    [second] = submit_readings(
        user=customer, link=link, values={day_night.pk: ["12410", "4610"]}
    ).readings

    assert second.pk != first.pk
    first.refresh_from_db()
    assert (first.status, first.value_1) == ("rejected", 12400)
