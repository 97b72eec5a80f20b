"""Reference data of the demo: suppliers, their branches, services and tariffs.

Suppliers, branches and services are configured in the admin in real life, so they are created
through the ORM. Tariffs come from billing: the simulation writes them into its files, from the
prices here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from kabinet.billing.models import Branch, Service, Supplier
from kabinet.billing.requisites import with_control_key

ENERGY = "energosbyt"
HEAT_WATER = "teplovodokanal"
HOUSING = "uk-uyutny-dom"
WASTE = "ekoresurs"
MAIN_SUPPLIERS = (ENERGY, HEAT_WATER, WASTE)

# The energy retailer's branches: code → name, address, first digit of their account numbers.
BRANCHES = {
    "ekb": ("Екатеринбургское отделение", "г. Екатеринбург, ул. Малышева, д. 51", "1"),
    "sever": ("Северное отделение", "г. Верхняя Пышма, ул. Ленина, д. 38", "2"),
    "zapad": ("Западное отделение", "г. Первоуральск, пр. Ильича, д. 9", "3"),
}


def _inn(first9: str) -> str:
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(first9, weights, strict=True)) % 11 % 10
    return f"{first9}{check}"


def _ogrn(first12: str) -> str:
    return f"{first12}{int(first12) % 11 % 10}"


def _requisites(bic: str, settlement_tail: str) -> dict[str, str]:
    """Bank requisites whose control keys match the bank's BIC (billing.requisites checks them),
    for a real bank's BIC and an invented account."""
    return {
        "bic": bic,
        "correspondent_account": with_control_key("0" + bic[4:6], f"30101810000000000{bic[-3:]}"),
        "settlement_account": with_control_key(bic[-3:], f"407028100{settlement_tail:0>11}"),
    }


SUPPLIERS: tuple[dict[str, Any], ...] = (
    {
        "code": ENERGY,
        "kind": Supplier.Kind.ENERGY,
        "name": "АО «Среднеуральская энергосбытовая компания»",
        "short_name": "СУЭСК",
        "inn": _inn("667102345"),
        "kpp": "667101001",
        "ogrn": _ogrn("102660123456"),
        "bank_name": "Уральский банк ПАО Сбербанк",
        **_requisites("046577674", "16540012345"),
        "address": "620014, Свердловская обл., г. Екатеринбург, ул. Малышева, д. 51",
        "phone": "8 800 300-00-01",
        "email": "info@suesk.example",
        "website": "https://suesk.example",
        # Billing of this interregional retailer runs on Moscow time, so its window does too.
        "time_zone": "Europe/Moscow",
        "readings_first_day": 15,
        "readings_last_day": 26,
        "readings_close_time": dt.time(17, 0),
    },
    {
        "code": HEAT_WATER,
        "kind": Supplier.Kind.HEAT_WATER,
        "name": "АО «Теплоцентраль-Водоканал»",
        "short_name": "Теплоцентраль-Водоканал",
        "inn": _inn("665809876"),
        "kpp": "665801001",
        "ogrn": _ogrn("104660987654"),
        "bank_name": "ФИЛИАЛ «ЕКАТЕРИНБУРГСКИЙ» АО «АЛЬФА-БАНК»",
        **_requisites("046577964", "38200004567"),
        "address": "620075, Свердловская обл., г. Екатеринбург, ул. Бажова, д. 20",
        "phone": "+7 343 300-20-20",
        "email": "abonent@tcvk.example",
        "website": "https://tcvk.example",
        "time_zone": "Asia/Yekaterinburg",
        # Its bill carries the management company's section (seed 002): the same payment code
        # (account number), surname and flat link it.
        "link_by_surname_flat": True,
        "readings_first_day": 10,
        "readings_last_day": 25,
        "readings_close_time": None,
    },
    {
        "code": HOUSING,
        "kind": Supplier.Kind.HOUSING,
        "name": "ООО «Управляющая компания «Уютный дом»",
        "short_name": "УК «Уютный дом»",
        "inn": _inn("667004567"),
        "kpp": "667001001",
        "ogrn": _ogrn("115667004567"),
        "bank_name": "Уральский банк ПАО Сбербанк",
        **_requisites("046577674", "16540067890"),
        "address": "620026, Свердловская обл., г. Екатеринбург, ул. Белинского, д. 86",
        "phone": "+7 343 310-10-10",
        "email": "dom@uyut.example",
        "time_zone": "Asia/Yekaterinburg",
        # Seed 002: the management company links by payment code, surname and flat, and its
        # bank takes a fee.
        "link_by_surname_flat": True,
        "payment_commission": "1 % от суммы платежа, не менее 10,00 ₽ (по договору с банком)",
        "readings_first_day": 10,
        "readings_last_day": 25,
        "readings_close_time": None,
    },
    {
        "code": WASTE,
        "kind": Supplier.Kind.WASTE,
        "name": "ООО «ЭкоРесурс-Урал» — региональный оператор по обращению с ТКО",
        "short_name": "ЭкоРесурс",
        "inn": _inn("668501122"),
        "kpp": "668501001",
        "ogrn": _ogrn("118665001122"),
        "bank_name": "ПАО «Банк Синара»",
        **_requisites("046577904", "06200011223"),
        "address": "620100, Свердловская обл., г. Екатеринбург, Сибирский тракт, д. 12",
        "phone": "8 800 700-12-12",
        "email": "tko@ekoresurs.example",
        "website": "https://ekoresurs.example",
        "time_zone": "Asia/Yekaterinburg",
        # No meters: the window is the whole month.
        "readings_first_day": 1,
        "readings_last_day": 31,
        "readings_close_time": None,
        "readings_strict": False,
    },
)

# code, name, kind, unit, metered, sort order
SERVICES: tuple[tuple[str, str, str, str, bool, int], ...] = (
    ("electricity", "Электроснабжение", Service.Kind.ELECTRICITY, "кВт·ч", True, 10),
    ("cold-water", "Холодное водоснабжение", Service.Kind.COLD_WATER, "м³", True, 20),
    ("hot-water", "Горячее водоснабжение", Service.Kind.HOT_WATER, "м³", True, 30),
    ("sewerage", "Водоотведение", Service.Kind.SEWERAGE, "м³", False, 40),
    ("heating", "Отопление", Service.Kind.HEATING, "Гкал", False, 50),
    ("maintenance", "Содержание жилого помещения", Service.Kind.MAINTENANCE, "м²", False, 60),
    ("capital-repair", "Взнос на капитальный ремонт", Service.Kind.CAPITAL_REPAIR, "м²", False, 70),
    ("intercom", "Домофон", Service.Kind.INTERCOM, "шт.", False, 80),
    (
        "cold-water-common",
        "ХВС на содержание общего имущества",
        Service.Kind.COLD_WATER,
        "м³",
        False,
        90,
    ),
    (
        "electricity-common",
        "Электроэнергия на содержание общего имущества",
        Service.Kind.ELECTRICITY,
        "кВт·ч",
        False,
        91,
    ),
    ("tko", "Обращение с ТКО", Service.Kind.WASTE, "чел.", False, 100),
    ("penalty", "Пени", Service.Kind.PENALTY, "", False, 900),
)
UNITS = {code: unit for code, _name, _kind, unit, _metered, _order in SERVICES}

# Current prices (₽ × 10⁴ per unit) from the last July 1st; earlier years are derived from them.
# supplier, service, tariff code, zone, name, price
TARIFFS: tuple[tuple[str, str, str, str, str, int], ...] = (
    (ENERGY, "electricity", "gas", "", "Население, городские дома с газовыми плитами", 64300),
    (ENERGY, "electricity", "gas", "day", "Население, газовые плиты, дневная зона", 73600),
    (ENERGY, "electricity", "gas", "night", "Население, газовые плиты, ночная зона", 32000),
    (ENERGY, "electricity", "gas", "peak", "Население, газовые плиты, пиковая зона", 88300),
    (ENERGY, "electricity", "gas", "semipeak", "Население, газовые плиты, полупиковая зона", 73600),
    (ENERGY, "electricity", "electric", "", "Население, городские дома с электроплитами", 45000),
    (ENERGY, "electricity", "electric", "day", "Население, электроплиты, дневная зона", 51500),
    (ENERGY, "electricity", "electric", "night", "Население, электроплиты, ночная зона", 22400),
    (ENERGY, "electricity", "electric", "peak", "Население, электроплиты, пиковая зона", 61800),
    (
        ENERGY,
        "electricity",
        "electric",
        "semipeak",
        "Население, электроплиты, полупиковая зона",
        51500,
    ),
    (HEAT_WATER, "cold-water", "", "", "Холодное водоснабжение, население", 489500),
    (
        HEAT_WATER,
        "hot-water",
        "",
        "",
        "Горячее водоснабжение (закрытая система), население",
        2687300,
    ),
    (HEAT_WATER, "sewerage", "", "", "Водоотведение, население", 371200),
    (HEAT_WATER, "heating", "", "", "Тепловая энергия, население", 29451800),
    (HOUSING, "maintenance", "", "", "Содержание и текущий ремонт общего имущества", 385000),
    (HOUSING, "capital-repair", "", "", "Минимальный взнос на капитальный ремонт", 215000),
    (HOUSING, "intercom", "", "", "Техническое обслуживание домофона", 650000),
    (HOUSING, "cold-water-common", "", "", "ХВС на содержание общего имущества", 489500),
    (HOUSING, "electricity-common", "", "", "Электроэнергия на содержание общего имущества", 64300),
    (WASTE, "tko", "residents", "", "Обращение с ТКО, по числу проживающих", 1987000),
    (WASTE, "tko", "area", "", "Обращение с ТКО, по общей площади помещения", 68000),
)
YEARLY_INCREASE_PER_MILLE = 1095


@transaction.atomic
def ensure_reference_data() -> dict[str, Supplier]:
    """Create or update the demo suppliers, branches and services; safe to run again."""
    suppliers: dict[str, Supplier] = {}
    for spec in SUPPLIERS:
        values = dict(spec)
        code = values.pop("code")
        suppliers[code], _ = Supplier.objects.update_or_create(code=code, defaults=values)
    for code, (name, address, _prefix) in BRANCHES.items():
        Branch.objects.update_or_create(
            supplier=suppliers[ENERGY],
            code=code,
            defaults={"name": name, "address": address, "phone": "8 800 300-00-01"},
        )
    for code, name, kind, unit, metered, order in SERVICES:
        Service.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "unit": unit,
                "is_metered": metered,
                "sort_order": order,
            },
        )
    return suppliers
