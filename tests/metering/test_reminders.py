"""What reminders (a later issue) will need: meters still without a reading this period."""

from __future__ import annotations

import datetime as dt

import pytest

from kabinet.billing.models import Account
from kabinet.metering.models import Reading
from kabinet.metering.selectors import meters_missing_readings
from tests.factories import make_account, make_meter, make_reading, make_supplier

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)


def test_it_lists_meters_read_by_hand_that_have_no_reading_this_period() -> None:
    supplier = make_supplier()
    account = make_account(supplier)
    missing = make_meter(account)
    rejected_only = make_meter(account)
    make_reading(rejected_only, status=Reading.Status.REJECTED, reject_reason="нет")
    sent = make_meter(account)
    make_reading(sent)
    by_inspector = make_meter(account)
    make_reading(by_inspector, source=Reading.Source.INSPECTOR, status=Reading.Status.ACCEPTED)
    last_month = make_meter(account)
    make_reading(last_month, period=dt.date(2026, 9, 1))
    make_meter(account, is_automatic=True)
    make_meter(account, removed_on=dt.date(2026, 9, 30))
    make_meter(make_account(supplier, automatic_readings=True))
    make_meter(make_account(supplier, status=Account.Status.CLOSED))
    elsewhere = make_meter(make_account())

    assert list(meters_missing_readings(OCT, supplier)) == [missing, rejected_only, last_month]
    assert elsewhere in meters_missing_readings(OCT)
