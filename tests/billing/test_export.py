from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kabinet.billing.models import Account, Service, Supplier
from kabinet.metering.models import Meter, Reading
from kabinet.payments.models import Payment
from tests.factories import (
    make_account,
    make_branch,
    make_meter,
    make_payment,
    make_reading,
    make_service,
    make_supplier,
)

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
OCTOBER = ["--since", "2026-10-01", "--until", "2026-11-01"]
READINGS_FILE = "readings_2026-10-01_2026-11-01"
PAYMENTS_FILE = "payments_2026-10-01_2026-11-01"


@pytest.fixture(autouse=True)
def _moscow_time(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Moscow"


@pytest.fixture
def supplier() -> Supplier:
    return make_supplier(code="tes")


@pytest.fixture
def account(supplier: Supplier) -> Account:
    return make_account(
        supplier,
        branch=make_branch(supplier, code="tmb"),
        number="123456",
        number_display="00-123456",
    )


@pytest.fixture
def service() -> Service:
    return make_service(code="el")


def msk(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=MSK)


def export(tmp_path: Path, *args: str) -> str:
    out = StringIO()
    call_command("export_billing", *args, "--out", str(tmp_path), stdout=out)
    return out.getvalue()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def two_zone_meter(account: Account, service: Service) -> Meter:
    return make_meter(
        account, service, external_id="M-1", serial_number="0123456", zones=2, fraction_digits=2
    )


def test_it_writes_portal_readings_with_the_meters_fraction_digits(
    tmp_path: Path, account: Account, service: Service
) -> None:
    two_zones = two_zone_meter(account, service)
    whole = make_meter(account, service, external_id="M-2", serial_number="77", fraction_digits=0)
    fine = make_meter(account, service, external_id="M-3", serial_number="88", fraction_digits=3)
    first = make_reading(
        two_zones,
        value_1=Decimal("1234.5"),
        value_2=Decimal("567"),
        submitted_at=msk(2026, 10, 20, 15, 0),
    )
    second = make_reading(whole, value_1=Decimal("42"), submitted_at=msk(2026, 10, 21, 9, 30))
    third = make_reading(
        fine,
        value_1=Decimal("0.125"),
        source=Reading.Source.PHOTO,
        taken_on=dt.date(2026, 10, 22),
        submitted_at=msk(2026, 10, 22, 23, 59, 59),
    )

    export(tmp_path, *OCTOBER, "--kind", "readings")

    common = {
        "supplier": "tes",
        "branch": "tmb",
        "account": "123456",
        "service": "el",
        "period": "2026-10",
        "value_3": "",
        "rollover_confirmed": "0",
        "jump_confirmed": "0",
        "has_photo": "0",
        "verification_overdue": "0",
    }
    assert read_csv(tmp_path / f"{READINGS_FILE}.csv") == [
        {
            **common,
            "portal_id": str(first.pk),
            "meter_id": "M-1",
            "serial_number": "0123456",
            "taken_on": "2026-10-20",
            "value_1": "1234.50",
            "value_2": "567.00",
            "source": "portal",
            "submitted_at": "2026-10-20T15:00:00+03:00",
        },
        {
            **common,
            "portal_id": str(second.pk),
            "meter_id": "M-2",
            "serial_number": "77",
            "taken_on": "2026-10-20",
            "value_1": "42",
            "value_2": "",
            "source": "portal",
            "submitted_at": "2026-10-21T09:30:00+03:00",
        },
        {
            **common,
            "portal_id": str(third.pk),
            "meter_id": "M-3",
            "serial_number": "88",
            "taken_on": "2026-10-22",
            "value_1": "0.125",
            "value_2": "",
            "source": "photo",
            "submitted_at": "2026-10-22T23:59:59+03:00",
        },
    ]


def test_it_writes_the_header_in_the_documented_column_order(
    tmp_path: Path, account: Account, service: Service
) -> None:
    export(tmp_path, *OCTOBER)

    with (tmp_path / f"{READINGS_FILE}.csv").open(encoding="utf-8") as handle:
        assert handle.readline().strip() == (
            "portal_id;supplier;branch;account;meter_id;serial_number;service;taken_on;period;"
            "value_1;value_2;value_3;source;submitted_at;rollover_confirmed;jump_confirmed;"
            "has_photo;verification_overdue"
        )
    with (tmp_path / f"{PAYMENTS_FILE}.csv").open(encoding="utf-8") as handle:
        assert handle.readline().strip() == (
            "portal_id;supplier;branch;account;recipient;amount;paid_at;status;provider_id;"
            "refund_id;refunded_at;els;bill_number;period;services"
        )


def test_it_exports_the_account_number_the_customer_submitted_for(
    tmp_path: Path, account: Account, service: Service
) -> None:
    make_reading(
        two_zone_meter(account, service),
        account_number="99-0001",
        value_2=Decimal("1"),
        submitted_at=msk(2026, 10, 20, 12, 0),
    )

    export(tmp_path, *OCTOBER, "--kind", "readings")

    [row] = read_csv(tmp_path / f"{READINGS_FILE}.csv")
    assert row["account"] == "99-0001"


def test_it_includes_since_and_excludes_until(
    tmp_path: Path, account: Account, service: Service
) -> None:
    # A meter each: a meter has one open submission a period.
    before, at_since, last, at_until = (
        make_reading(make_meter(account, service), submitted_at=moment)
        for moment in (
            msk(2026, 9, 30, 23, 59, 59),
            msk(2026, 10, 1, 0, 0),
            msk(2026, 10, 31, 23, 59, 59),
            msk(2026, 11, 1, 0, 0),
        )
    )

    export(tmp_path, *OCTOBER, "--kind", "readings")

    ids = [row["portal_id"] for row in read_csv(tmp_path / f"{READINGS_FILE}.csv")]
    assert ids == [str(at_since.pk), str(last.pk)]
    assert str(before.pk) not in ids
    assert str(at_until.pk) not in ids


def test_it_reads_a_naive_since_in_the_configured_time_zone(
    tmp_path: Path, account: Account, service: Service
) -> None:
    meter = make_meter(account, service)
    # 20:30 UTC is 23:30 in Moscow: before a Moscow 23:45 start, after a UTC 20:00 one.
    make_reading(meter, submitted_at=dt.datetime(2026, 10, 1, 20, 30, tzinfo=dt.UTC))

    output = export(tmp_path, "--since", "2026-10-01T23:45", "--until", "2026-11-01")
    output_utc = export(tmp_path, "--since", "2026-10-01T20:00+00:00", "--until", "2026-11-01")

    assert "readings_2026-10-01T234500_2026-11-01.csv: 0 строк" in output
    assert "readings_2026-10-01T230000_2026-11-01.csv: 1 строк" in output_utc


def test_it_leaves_out_readings_that_came_from_billing(
    tmp_path: Path, account: Account, service: Service
) -> None:
    meter = make_meter(account, service)
    submitted_at = msk(2026, 10, 20, 12, 0)
    portal = make_reading(meter, submitted_at=submitted_at)
    for source in (Reading.Source.BILLING, Reading.Source.INSPECTOR, Reading.Source.AUTOMATIC):
        make_reading(meter, source=source, external_id=f"b-{source}", submitted_at=submitted_at)

    export(tmp_path, *OCTOBER, "--kind", "readings")

    rows = read_csv(tmp_path / f"{READINGS_FILE}.csv")
    assert [row["portal_id"] for row in rows] == [str(portal.pk)]


def test_it_writes_one_payment_row_per_recipient(
    tmp_path: Path, supplier: Supplier, account: Account
) -> None:
    waste = make_supplier(code="tko")
    payment = make_payment(
        account,
        splits=[(supplier, Decimal("700.10")), (waste, Decimal("299.90"))],
        amount=Decimal("1000.00"),
        paid_at=msk(2026, 10, 20, 12, 5, 7),
        external_id="2f5b-yk",
    )

    export(tmp_path, *OCTOBER, "--kind", "payments")

    common = {
        "portal_id": str(payment.pk),
        "supplier": "tes",
        "branch": "tmb",
        "account": "00-123456",
        "paid_at": "2026-10-20T12:05:07+03:00",
        "status": "succeeded",
        "provider_id": "2f5b-yk",
        "refund_id": "",
        "refunded_at": "",
        "els": "",
        "bill_number": "",
        "period": "",
        "services": "",
    }
    assert read_csv(tmp_path / f"{PAYMENTS_FILE}.csv") == [
        {**common, "recipient": "tes", "amount": "700.10"},
        {**common, "recipient": "tko", "amount": "299.90"},
    ]


def test_it_exports_every_portal_payment_that_was_received_also_if_refunded_since(
    tmp_path: Path, account: Account
) -> None:
    """A refunded payment was received first: its row stays «succeeded»; its refunds are rows
    of their own (tests/payments/test_export.py)."""
    paid_at = msk(2026, 10, 20, 12, 0)
    succeeded = make_payment(account, paid_at=paid_at)
    refunded = make_payment(
        account, status=Payment.Status.REFUNDED, paid_at=paid_at + dt.timedelta(minutes=1)
    )
    for status in (Payment.Status.CREATED, Payment.Status.PENDING, Payment.Status.CANCELED):
        make_payment(account, status=status, paid_at=paid_at)
    make_payment(
        account, source=Payment.Source.BILLING, channel=Payment.Channel.BANK, paid_at=paid_at
    )

    export(tmp_path, *OCTOBER, "--kind", "payments")

    rows = read_csv(tmp_path / f"{PAYMENTS_FILE}.csv")
    assert [(row["portal_id"], row["status"]) for row in rows] == [
        (str(succeeded.pk), "succeeded"),
        (str(refunded.pk), "succeeded"),
    ]


def test_it_includes_payments_paid_at_since_and_excludes_those_paid_at_until(
    tmp_path: Path, account: Account
) -> None:
    at_since = make_payment(account, paid_at=msk(2026, 10, 1, 0, 0))
    make_payment(account, paid_at=msk(2026, 11, 1, 0, 0))
    make_payment(account, paid_at=msk(2026, 9, 30, 23, 59, 59))

    export(tmp_path, *OCTOBER, "--kind", "payments")

    rows = read_csv(tmp_path / f"{PAYMENTS_FILE}.csv")
    assert [row["portal_id"] for row in rows] == [str(at_since.pk)]


def test_it_tells_billing_what_the_customer_confirmed_and_that_a_photo_came(
    tmp_path: Path, account: Account, service: Service
) -> None:
    make_reading(
        make_meter(account, service, external_id="M-7"),
        submitted_at=msk(2026, 10, 20, 12, 0),
        rollover_confirmed=True,
        jump_confirmed=True,
        photo="readings/2026/10/abc.jpg",
    )

    export(tmp_path, *OCTOBER)

    (row,) = read_csv(tmp_path / f"{READINGS_FILE}.csv")
    assert (row["rollover_confirmed"], row["jump_confirmed"], row["has_photo"]) == ("1", "1", "1")


def test_it_tells_billing_which_readings_came_from_a_meter_past_its_verification_date(
    tmp_path: Path, account: Account, service: Service
) -> None:
    overdue = make_reading(
        make_meter(account, service, external_id="M-5", verification_due=dt.date(2026, 9, 30)),
        submitted_at=msk(2026, 10, 20, 12, 0),
        verification_overdue=True,
    )
    verified = make_reading(
        make_meter(account, service, external_id="M-6"), submitted_at=msk(2026, 10, 20, 13, 0)
    )

    export(tmp_path, *OCTOBER)

    rows = read_csv(tmp_path / f"{READINGS_FILE}.csv")
    assert [(row["portal_id"], row["verification_overdue"]) for row in rows] == [
        (str(overdue.pk), "1"),
        (str(verified.pk), "0"),
    ]


def test_it_writes_json_lines_with_null_for_missing_values(
    tmp_path: Path, account: Account, service: Service
) -> None:
    reading = make_reading(
        make_meter(account, service, external_id="M-9", serial_number="9", fraction_digits=1),
        value_1=Decimal("10"),
        submitted_at=msk(2026, 10, 20, 12, 0),
    )
    payment = make_payment(account, amount=Decimal("50.5"), paid_at=msk(2026, 10, 20, 12, 0))

    export(tmp_path, *OCTOBER, "--format", "jsonl")

    readings = (tmp_path / f"{READINGS_FILE}.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in readings] == [
        {
            "portal_id": str(reading.pk),
            "supplier": "tes",
            "branch": "tmb",
            "account": "123456",
            "meter_id": "M-9",
            "serial_number": "9",
            "service": "el",
            "taken_on": "2026-10-20",
            "period": "2026-10",
            "value_1": "10.0",
            "value_2": None,
            "value_3": None,
            "source": "portal",
            "submitted_at": "2026-10-20T12:00:00+03:00",
            "rollover_confirmed": "0",
            "jump_confirmed": "0",
            "has_photo": "0",
            "verification_overdue": "0",
        }
    ]
    payments = (tmp_path / f"{PAYMENTS_FILE}.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["amount"] for line in payments] == ["50.50"]
    assert json.loads(payments[0])["portal_id"] == str(payment.pk)


def test_it_prints_every_path_with_its_row_count(
    tmp_path: Path, account: Account, service: Service
) -> None:
    make_reading(make_meter(account, service), submitted_at=msk(2026, 10, 20, 12, 0))

    output = export(tmp_path, *OCTOBER)

    assert output.splitlines() == [
        f"{tmp_path / READINGS_FILE}.csv: 1 строк [readings]",
        f"{tmp_path / PAYMENTS_FILE}.csv: 0 строк [payments]",
        f"{tmp_path / 'payments_registry_2026-10-01_2026-11-01'}.csv: 0 строк [payments_registry]",
    ]
    assert not list(tmp_path.glob(".*.part"))


def test_it_writes_into_var_exports_by_default(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path

    call_command("export_billing", *OCTOBER, "--kind", "payments", stdout=StringIO())

    assert (tmp_path / "exports" / f"{PAYMENTS_FILE}.csv").is_file()


def test_it_runs_the_same_number_of_queries_for_one_row_or_many(
    tmp_path: Path, account: Account, service: Service
) -> None:
    submitted_at = msk(2026, 10, 20, 12, 0)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            export(tmp_path, *OCTOBER)
        return len(captured)

    make_reading(make_meter(account, service), submitted_at=submitted_at)
    make_payment(account, paid_at=submitted_at)
    with_one = queries()
    for _ in range(5):
        other = make_account(make_supplier(), branch=None)
        make_reading(make_meter(other), submitted_at=submitted_at)
        make_payment(other, paid_at=submitted_at)

    assert queries() == with_one


@pytest.mark.parametrize("since", ["2026-13-01", "вчера", "01.10.2026", ""])
def test_it_rejects_a_since_it_cannot_read(tmp_path: Path, since: str) -> None:
    with pytest.raises(CommandError, match="--since") as raised:
        export(tmp_path, "--since", since)

    assert "2026-10-01T00:00" in str(raised.value)
    assert raised.value.returncode == 2
    assert not list(tmp_path.iterdir())


def test_it_rejects_an_until_that_is_not_after_since(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--until"):
        export(tmp_path, "--since", "2026-11-01", "--until", "2026-10-01")
