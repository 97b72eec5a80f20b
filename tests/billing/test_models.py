"""Database constraints that keep billing data consistent whatever writes it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from kabinet.billing.models import Account, Bill, Charge
from kabinet.metering.models import Reading
from tests.factories import (
    make_account,
    make_branch,
    make_meter,
    make_service,
    make_supplier,
)

pytestmark = pytest.mark.django_db


def test_a_period_must_be_the_first_day_of_a_month() -> None:
    account = make_account()
    service = make_service()
    with pytest.raises(IntegrityError), transaction.atomic():
        Charge.objects.create(
            account=account,
            period=dt.date(2026, 10, 2),
            supplier=account.supplier,
            service=service,
            total=Decimal("1"),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Bill.objects.create(account=account, period=dt.date(2026, 10, 15))
    Bill.objects.create(account=account, period=dt.date(2026, 10, 1))


def test_an_account_number_is_unique_per_supplier_without_branches() -> None:
    supplier = make_supplier()
    make_account(supplier, number="100")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_account(supplier, number="100")
    make_account(make_supplier(), number="100")  # another supplier may reuse it


def test_an_account_number_is_unique_per_branch() -> None:
    supplier = make_supplier()
    north, south = make_branch(supplier), make_branch(supplier)
    make_account(supplier, number="100", branch=north)
    make_account(supplier, number="100", branch=south)
    make_account(supplier, number="100")  # and once without a branch
    with pytest.raises(IntegrityError), transaction.atomic():
        make_account(supplier, number="100", branch=north)
    assert Account.objects.filter(number="100").count() == 3


def test_a_charge_line_is_unique_per_account_period_recipient_service_and_zone() -> None:
    account = make_account()
    service = make_service()
    line = {
        "account": account,
        "period": dt.date(2026, 10, 1),
        "supplier": account.supplier,
        "service": service,
    }
    Charge.objects.create(**line, zone="day")
    Charge.objects.create(**line, zone="night")
    with pytest.raises(IntegrityError), transaction.atomic():
        Charge.objects.create(**line, zone="day")


def test_a_reading_cannot_be_negative() -> None:
    meter = make_meter(make_account())
    with pytest.raises(IntegrityError), transaction.atomic():
        Reading.objects.create(
            meter=meter,
            period=dt.date(2026, 10, 1),
            taken_on=dt.date(2026, 10, 20),
            source=Reading.Source.PORTAL,
            value_1=Decimal("-1"),
        )


def test_a_supplier_with_charges_cannot_be_deleted() -> None:
    from django.db.models import ProtectedError

    account = make_account()
    Charge.objects.create(
        account=account,
        period=dt.date(2026, 10, 1),
        supplier=make_supplier(),
        service=make_service(),
    )
    charge = Charge.objects.get()
    with pytest.raises(ProtectedError):
        charge.service.delete()
