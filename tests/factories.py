"""Small factories for the data model; each returns a saved object with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from kabinet.billing.models import Account, Branch, Premises, Service, Supplier
from kabinet.metering.models import Meter

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
