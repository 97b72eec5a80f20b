"""A sample bill for tests and the PDF bench: two recipients, charges for each, a penalty and a
meter with two readings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kabinet.billing.models import Bill, Service
from tests.factories import (
    make_account,
    make_bill,
    make_charge,
    make_meter,
    make_premises,
    make_reading,
    make_service,
    make_supplier,
)

PERIOD = dt.date(2026, 9, 1)


def make_two_recipient_bill(*, owner_name: str = "Петрова Мария Сергеевна") -> Bill:
    energy = make_supplier(
        name="АО «Тамбовская энергосбытовая компания»",
        short_name="ТЭСК",
        inn="6829012680",
        kpp="682901001",
        settlement_account="40702810361000101234",
    )
    housing = make_supplier(
        name="ООО «УК Жилсервис | Центр»",
        short_name="УК Жилсервис",
        kind="housing",
        inn="6829123456",
        kpp="682901002",
        bank_name="ТАМБОВСКОЕ ОТДЕЛЕНИЕ N8594 ПАО СБЕРБАНК",
        bic="046850649",
        settlement_account="40702810461000005678",
        correspondent_account="30101810800000000649",
    )
    premises = make_premises(
        address="г. Тамбов, ул. Советская, д. 12, кв. 34",
        total_area=Decimal("54.30"),
        residents=3,
    )
    account = make_account(
        energy,
        number="680123456",
        owner_name=owner_name,
        premises=premises,
        els="68АБ123456",
        izhku="68АБ123456-01",
    )
    electricity = make_service(name="Электроснабжение", unit="кВт·ч")
    maintenance = make_service(
        name="Содержание жилого помещения", kind=Service.Kind.MAINTENANCE, unit="м²"
    )
    penalty = make_service(name="Пени", kind=Service.Kind.PENALTY, unit="", is_metered=False)
    make_charge(
        account,
        electricity,
        period=PERIOD,
        volume=Decimal("130.14"),
        volume_basis="meter",
        norm=Decimal("110"),
        tariff=Decimal("5.2613"),
        charged=Decimal("684.70"),
        opening_balance=Decimal("120.00"),
        paid=Decimal("120.00"),
        total=Decimal("684.70"),
    )
    make_charge(
        account,
        maintenance,
        period=PERIOD,
        supplier=housing,
        unit="м²",
        volume=Decimal("54.30"),
        tariff=Decimal("28.5000"),
        charged=Decimal("1547.55"),
        recalculation=Decimal("-47.55"),
        recalculation_reason="Временное отсутствие жильцов 12–25.08.2026",
        benefits=Decimal("100.00"),
        total=Decimal("1400.00"),
    )
    make_charge(
        account,
        penalty,
        period=PERIOD,
        supplier=housing,
        unit="",
        volume=None,
        tariff=None,
        charged=Decimal("12.34"),
        total=Decimal("12.34"),
    )
    bill = make_bill(
        account,
        sections=[(energy, Decimal("684.70")), (housing, Decimal("1412.34"))],
        period=PERIOD,
        number="68АБ123456-09-2026",
        penalties=Decimal("12.34"),
    )
    bill.sections.filter(supplier=housing).update(penalties=Decimal("12.34"))
    meter = make_meter(account, electricity, serial_number="723012")
    make_reading(
        meter, period=dt.date(2026, 8, 1), taken_on=dt.date(2026, 8, 20), value_1=Decimal("72860")
    )
    make_reading(meter, period=PERIOD, taken_on=dt.date(2026, 9, 20), value_1=Decimal("72990.14"))
    return bill
