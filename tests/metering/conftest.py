"""Builders for the readings tests: a supplier with the seed-000 window, a customer linked to an
account with a single-zone and a day/night meter, and a clock the window reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kabinet.billing.models import Account, AccountLink, Service, Supplier
from kabinet.identity.models import User
from kabinet.metering import windows
from kabinet.metering.models import Meter, Reading
from tests.factories import (
    make_account,
    make_customer,
    make_link,
    make_meter,
    make_reading,
    make_service,
    make_supplier,
)

MSK = ZoneInfo("Europe/Moscow")
# Inside the 15–26 window of seed 000; the period is October 2026.
IN_WINDOW = dt.datetime(2026, 10, 20, 12, 0, tzinfo=MSK)
OCT = dt.date(2026, 10, 1)


class Clock:
    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(IN_WINDOW)
    monkeypatch.setattr(windows, "now", clock)
    return clock


@pytest.fixture
def supplier() -> Supplier:
    return make_supplier(
        short_name="СУЭСК",
        time_zone="Europe/Moscow",
        readings_first_day=15,
        readings_last_day=26,
        readings_close_time=dt.time(17, 0),
    )


@pytest.fixture
def electricity() -> Service:
    return make_service(name="Электроснабжение", unit="кВт·ч", sort_order=10)


@pytest.fixture
def water() -> Service:
    return make_service(name="Холодное водоснабжение", unit="м³", sort_order=20)


@pytest.fixture
def account(supplier: Supplier) -> Account:
    return make_account(supplier, number="700123")


@pytest.fixture
def customer() -> User:
    return make_customer()


@pytest.fixture
def link(customer: User, account: Account) -> AccountLink:
    return make_link(customer, account)


@pytest.fixture
def day_night(account: Account, electricity: Service) -> Meter:
    """A 6.1 day/night meter last read at 12 345.6 / 4 567.8 in September."""
    meter = make_meter(account, electricity, serial_number="007017945", zones=2, fraction_digits=1)
    accepted(meter, dt.date(2026, 9, 20), "12345.6", "4567.8")
    return meter


@pytest.fixture
def cold(account: Account, water: Service) -> Meter:
    """A 5.3 water meter last read at 120.5 in September."""
    meter = make_meter(account, water, serial_number="4234851", integer_digits=5, fraction_digits=3)
    accepted(meter, dt.date(2026, 9, 20), "120.5")
    return meter


def accepted(meter: Meter, taken_on: dt.date, *values: str, **kwargs: Any) -> Reading:
    """A reading billing sent and accepted."""
    padded = [Decimal(v) for v in values] + [None, None]
    return make_reading(
        meter,
        period=taken_on.replace(day=1),
        taken_on=taken_on,
        source=Reading.Source.BILLING,
        status=Reading.Status.ACCEPTED,
        value_1=padded[0],
        value_2=padded[1],
        value_3=padded[2],
        **kwargs,
    )
