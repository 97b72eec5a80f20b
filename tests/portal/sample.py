"""An account's October 2026: a two-zone reading counted in the bill, the bill of two
recipients, a portal payment, and a bank payment made on the night the month turned."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from kabinet.billing.models import Account, AccountLink, Bill, Service
from kabinet.identity.models import User
from kabinet.metering.models import Reading
from kabinet.payments.models import Payment
from tests.factories import (
    make_account,
    make_bill,
    make_link,
    make_meter,
    make_payment,
    make_reading,
    make_service,
    make_supplier,
)


@dataclass
class History:
    account: Account
    link: AccountLink
    bill: Bill
    reading: Reading
    payment: Payment
    bank_payment: Payment
    electricity: Service


def make_history(customer: User) -> History:
    energy = make_supplier(short_name="ТЭСК", time_zone="Europe/Moscow")
    water = make_supplier(short_name="Водоканал")
    electricity = make_service(name="Электроснабжение", unit="кВт·ч", is_metered=True)
    account = make_account(energy, number="680123456")
    link = make_link(customer, account)
    meter = make_meter(account, electricity, zones=2, serial_number="6-123-3")
    bill = make_bill(
        account,
        [(energy, Decimal("1200.50")), (water, Decimal("344.63"))],
        period=dt.date(2026, 10, 1),
        issued_on=dt.date(2026, 11, 2),
    )
    reading = make_reading(
        meter,
        period=dt.date(2026, 10, 1),
        taken_on=dt.date(2026, 10, 13),
        value_1=Decimal("14323"),
        value_2=Decimal("5120"),
        status=Reading.Status.BILLED,
        billed_period=dt.date(2026, 10, 1),
    )
    payment = make_payment(
        account,
        amount=Decimal("665.60"),
        paid_at=dt.datetime(2026, 10, 20, 9, 0, tzinfo=dt.UTC),
    )
    # 23:30 UTC on 31 October is 02:30 on 1 November in Moscow: a November payment.
    bank_payment = make_payment(
        account,
        source=Payment.Source.BILLING,
        channel=Payment.Channel.BANK,
        agent_name="Сбербанк",
        amount=Decimal("100.00"),
        paid_at=dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC),
    )
    return History(account, link, bill, reading, payment, bank_payment, electricity)
