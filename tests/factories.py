"""Small factories for the data model; each returns a saved object with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from kabinet.billing.models import (
    Account,
    Bill,
    BillSection,
    Branch,
    Charge,
    ImportBatch,
    Premises,
    Service,
    Supplier,
    Tariff,
)
from kabinet.metering.models import Meter, Reading
from kabinet.payments.models import Payment, PaymentSplit

_seq = itertools.count(1)


def make_supplier(**kwargs: Any) -> Supplier:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "code": f"sup{n}",
        "name": f"ООО «Поставщик {n}»",
        "short_name": f"Поставщик {n}",
        "kind": Supplier.Kind.ENERGY,
        "inn": "7701234567",
        "kpp": "770101001",
        "bank_name": "ПАО Сбербанк",
        "bic": "044525225",
        "settlement_account": "40702810938000000001",
        "correspondent_account": "30101810400000000225",
    }
    defaults.update(kwargs)
    return Supplier.objects.create(**defaults)


def make_branch(supplier: Supplier, **kwargs: Any) -> Branch:
    n = next(_seq)
    defaults: dict[str, Any] = {"code": f"br{n}", "name": f"Филиал {n}"}
    defaults.update(kwargs)
    return Branch.objects.create(supplier=supplier, **defaults)


def make_service(**kwargs: Any) -> Service:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "code": f"svc{n}",
        "name": f"Услуга {n}",
        "kind": Service.Kind.ELECTRICITY,
        "unit": "кВт·ч",
        "is_metered": True,
    }
    defaults.update(kwargs)
    return Service.objects.create(**defaults)


def make_premises(**kwargs: Any) -> Premises:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "external_id": f"P{n}",
        "address": f"г. Тамбов, ул. Советская, д. {n}, кв. 1",
        "total_area": Decimal("54.30"),
        "residents": 2,
    }
    defaults.update(kwargs)
    return Premises.objects.create(**defaults)


def make_account(supplier: Supplier | None = None, **kwargs: Any) -> Account:
    n = next(_seq)
    supplier = supplier or make_supplier()
    defaults: dict[str, Any] = {
        "number": f"{100000 + n}",
        "owner_name": "Иванов Иван Иванович",
        "link_code": f"{n:06d}",
    }
    defaults.update(kwargs)
    if "premises" not in defaults:
        defaults["premises"] = make_premises()
    return Account.objects.create(supplier=supplier, **defaults)


def make_meter(account: Account, service: Service | None = None, **kwargs: Any) -> Meter:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "supplier": account.supplier,
        "external_id": f"M{n}",
        "serial_number": f"{4000000 + n}",
        "zones": 1,
        "integer_digits": 6,
        "fraction_digits": 2,
        "installed_on": dt.date(2020, 1, 15),
        "verification_due": dt.date(2032, 1, 15),
    }
    defaults.update(kwargs)
    return Meter.objects.create(account=account, service=service or make_service(), **defaults)


def make_reading(meter: Meter, **kwargs: Any) -> Reading:
    """A portal reading; ``submitted_at`` may be given although the model stamps it on save."""
    submitted_at = kwargs.pop("submitted_at", None)
    defaults: dict[str, Any] = {
        "account_number": meter.account.number,
        "period": dt.date(2026, 10, 1),
        "taken_on": dt.date(2026, 10, 20),
        "source": Reading.Source.PORTAL,
        "value_1": Decimal("1234.5"),
    }
    defaults.update(kwargs)
    reading = Reading.objects.create(meter=meter, **defaults)
    if submitted_at is not None:
        Reading.objects.filter(pk=reading.pk).update(submitted_at=submitted_at)
        reading.refresh_from_db()
    return reading


def make_payment(
    account: Account, splits: list[tuple[Supplier, Decimal]] | None = None, **kwargs: Any
) -> Payment:
    """A succeeded portal card payment, split as ``splits`` (default: all to its supplier)."""
    n = next(_seq)
    defaults: dict[str, Any] = {
        "source": Payment.Source.PORTAL,
        "channel": Payment.Channel.PORTAL_CARD,
        "status": Payment.Status.SUCCEEDED,
        "amount": Decimal("1000.00"),
        "paid_at": dt.datetime(2026, 10, 20, 9, 0, tzinfo=dt.UTC),
        "external_id": f"pay-{n}",
    }
    defaults.update(kwargs)
    payment = Payment.objects.create(account=account, **defaults)
    for supplier, amount in splits or [(account.supplier, payment.amount)]:
        PaymentSplit.objects.create(payment=payment, supplier=supplier, amount=amount)
    return payment


def make_tariff(supplier: Supplier, service: Service, **kwargs: Any) -> Tariff:
    defaults: dict[str, Any] = {
        "code": "T1",
        "name": f"{service.name}, одноставочный",
        "price": Decimal("5.2613"),
        "valid_from": dt.date(2026, 1, 1),
    }
    defaults.update(kwargs)
    return Tariff.objects.create(supplier=supplier, service=service, **defaults)


def make_charge(account: Account, service: Service | None = None, **kwargs: Any) -> Charge:
    """A charge line of the account's own supplier: 100 units at 5 ₽, nothing paid yet."""
    defaults: dict[str, Any] = {
        "period": dt.date(2026, 9, 1),
        "supplier": account.supplier,
        "unit": "кВт·ч",
        "volume": Decimal("100"),
        "tariff": Decimal("5.0000"),
        "charged": Decimal("500.00"),
        "total": Decimal("500.00"),
    }
    defaults.update(kwargs)
    return Charge.objects.create(account=account, service=service or make_service(), **defaults)


def make_bill(
    account: Account, sections: list[tuple[Supplier, Decimal]] | None = None, **kwargs: Any
) -> Bill:
    """A bill whose totals are the sum of ``sections`` (default: one of the account's supplier)."""
    n = next(_seq)
    parts = sections or [(account.supplier, Decimal("500.00"))]
    amount = sum((part for _, part in parts), Decimal("0.00"))
    defaults: dict[str, Any] = {
        "period": dt.date(2026, 9, 1),
        "number": f"B{n}",
        "issued_on": dt.date(2026, 10, 1),
        "due_date": dt.date(2026, 10, 25),
        "charged": amount,
        "total": amount,
    }
    defaults.update(kwargs)
    bill = Bill.objects.create(account=account, **defaults)
    for supplier, part in parts:
        BillSection.objects.create(bill=bill, supplier=supplier, charged=part, total=part)
    return bill


def make_import_batch(**kwargs: Any) -> ImportBatch:
    """A finished import of a small accounts file."""
    n = next(_seq)
    defaults: dict[str, Any] = {
        "kind": "accounts",
        "file_name": f"accounts-{n}.csv",
        "file_format": "csv",
        "encoding": "utf-8",
        "started_by": "import_billing",
        "status": ImportBatch.Status.LOADED,
        "rows": 10,
        "inserted": 8,
        "updated": 1,
        "unchanged": 1,
    }
    defaults.update(kwargs)
    return ImportBatch.objects.create(**defaults)
