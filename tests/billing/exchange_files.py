"""Builders of billing files for import tests: a small utility and its month, as CSV/JSONL; a
snapshot of what an import wrote."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.db.models import Count, Sum

from kabinet.billing.models import (
    Account,
    Bill,
    BillSection,
    Branch,
    Charge,
    Premises,
    Service,
    Supplier,
    Tariff,
)
from kabinet.metering.models import Meter, Reading
from kabinet.payments.models import Payment, PaymentSplit
from tests.factories import make_branch, make_service, make_supplier


def csv_text(rows: Sequence[dict[str, Any]]) -> str:
    """`;`-separated CSV with a header of every column any row has."""
    columns: list[str] = []
    for row in rows:
        columns.extend(c for c in row if c not in columns)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return buffer.getvalue()


def write_csv(
    folder: Path, name: str, rows: Sequence[dict[str, Any]], *, encoding: str = "utf-8"
) -> Path:
    path = folder / name
    path.write_bytes(csv_text(rows).encode(encoding))
    return path


def write_jsonl(folder: Path, name: str, rows: Sequence[dict[str, Any]]) -> Path:
    path = folder / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


class Utility:
    """Two suppliers (one with a branch, one a housing agent) and their services."""

    def __init__(self) -> None:
        self.energo: Supplier = make_supplier(code="energo", short_name="Энергосбыт")
        self.north: Branch = make_branch(self.energo, code="north", name="Северный филиал")
        self.housing: Supplier = make_supplier(
            code="uk", short_name="УК Уют", kind=Supplier.Kind.HOUSING
        )
        self.electricity: Service = make_service(code="el", name="Электроэнергия", unit="кВт·ч")
        self.maintenance: Service = make_service(
            code="maint", name="Содержание жилья", unit="м²", kind=Service.Kind.MAINTENANCE
        )
        self.penalty: Service = make_service(
            code="peni", name="Пени", unit="", kind=Service.Kind.PENALTY, is_metered=False
        )


ACCOUNTS = [
    {
        "supplier": "energo", "branch": "", "account": "л/с 000123", "owner_name": "Иванов И. И.",
        "els": "90ВВ144120", "izhku": "90ВВ144120-11", "link_code": "A1B2", "premises_id": "P1",
        "address": "г. Тамбов, ул. Мира, д. 1, кв. 2", "city": "Тамбов", "flat": "2",
        "total_area": "54,3", "living_area": "30.1", "rooms": "2", "residents": "3",
    },
    {
        "supplier": "energo", "branch": "north", "account": "456", "owner_name": "Петрова А. С.",
        "premises_id": "P2", "address": "г. Тамбов, ул. Мира, д. 3, кв. 4", "residents": "1",
        "automatic_readings": "да",
    },
    {
        "supplier": "energo", "branch": "", "account": "789", "owner_name": "Сидоров К. К.",
        "premises_id": "P3", "address": "г. Тамбов, ул. Лесная, д. 7", "status": "closed",
        "closed_on": "01.09.2026",
    },
]  # fmt: skip

METERS = [
    {
        "supplier": "energo", "meter_id": "M1", "account": "123", "service": "el",
        "serial_number": "007011040005003", "zones": "2", "capacity": "6.1",
        "installed_on": "2020-05-01", "verification_due": "2032-05-01", "location": "коридор",
    },
    {
        "supplier": "energo", "meter_id": "M2", "account": "456", "branch": "north",
        "service": "el", "serial_number": "4124651", "capacity": "5.2",
    },
]  # fmt: skip

TARIFFS = [
    {"supplier": "energo", "service": "el", "tariff_code": "city", "name": "Население, город",
     "zone": "day", "price": "6.43", "valid_from": "2025-07-01", "valid_to": "2026-06-30"},
    {"supplier": "energo", "service": "el", "tariff_code": "city", "name": "Население, город",
     "zone": "night", "price": "3.12", "valid_from": "2025-07-01", "valid_to": "2026-06-30"},
    {"supplier": "energo", "service": "el", "tariff_code": "city", "name": "Население, город",
     "zone": "day", "price": "6.98", "valid_from": "2026-07-01"},
]  # fmt: skip

CHARGES = [
    {"supplier": "energo", "account": "123", "period": "2026-10", "service": "el",
     "zone": "day", "tariff_code": "city", "volume": "100", "volume_basis": "meter",
     "tariff": "6.98", "opening_balance": "150.00", "charged": "698.00", "paid": "150",
     "total": "698.00"},
    {"supplier": "energo", "account": "123", "period": "2026-10", "service": "el",
     "zone": "night", "tariff_code": "city", "volume": "50", "volume_basis": "meter",
     "tariff": "3.12", "charged": "156.00", "total": "156.00"},
    {"supplier": "energo", "account": "123", "period": "2026-10", "recipient": "uk",
     "service": "maint", "volume": "54.3", "tariff": "25.10", "charged": "1362,93",
     "benefits": "100", "recalculation": "-12.5", "recalculation_reason": "временное отсутствие",
     "total": "1250.43"},
    {"supplier": "energo", "account": "123", "period": "2026-10", "service": "peni",
     "charged": "0.16", "opening_balance": "0.10", "total": "0.26"},
    {"supplier": "energo", "branch": "north", "account": "456", "period": "10.2026",
     "service": "el", "volume": "80", "tariff": "6.98", "charged": "558.40", "total": "558.40"},
]  # fmt: skip

BILLS = [
    {"supplier": "energo", "account": "123", "period": "2026-10", "number": "90ВВ144120-10-26",
     "issued_on": "2026-11-01", "due_date": "2026-11-15", "opening_balance": "150.10",
     "charged": "854.00", "paid": "150", "penalties": "0.16", "total": "854.26"},
    {"supplier": "energo", "account": "123", "period": "2026-10", "recipient": "uk",
     "number": "90ВВ144120-10-26", "due_date": "2026-11-10", "charged": "1362.93",
     "benefits": "100", "recalculation": "-12.50", "total": "1250.43"},
    {"supplier": "energo", "branch": "north", "account": "456", "period": "2026-10",
     "due_date": "2026-11-15", "charged": "558.40", "total": "558.40"},
]  # fmt: skip

READINGS = [
    {"supplier": "energo", "meter_id": "M1", "reading_id": "R1", "taken_on": "2026-09-20",
     "value_1": "23182.5", "value_2": "7707", "status": "billed", "billed_period": "2026-09"},
    {"supplier": "energo", "meter_id": "M1", "reading_id": "R2", "taken_on": "2026-10-20",
     "value_1": "23282,5", "value_2": "7757.0", "status": "accepted", "source": "inspector"},
    {"supplier": "energo", "meter_id": "M2", "reading_id": "R3", "taken_on": "2026-10-21",
     "value_1": "4500.25", "status": "rejected", "reason": "Показание меньше предыдущего"},
]  # fmt: skip

PAYMENTS = [
    {"supplier": "energo", "account": "123", "payment_id": "SB-1", "paid_at": "2026-10-05 14:03",
     "amount": "150.00", "channel": "bank", "agent": "ПАО Сбербанк"},
    {"supplier": "energo", "account": "123", "payment_id": "SB-1", "recipient": "uk",
     "paid_at": "2026-10-05 14:03", "amount": "1000", "channel": "bank", "agent": "ПАО Сбербанк"},
    {"supplier": "energo", "branch": "north", "account": "456", "payment_id": "POST-77",
     "paid_at": "07.10.2026", "amount": "300.5", "channel": "post", "agent": "Почта России"},
]  # fmt: skip


def month_files(folder: Path) -> list[Path]:
    return [
        write_csv(folder, "accounts.csv", ACCOUNTS),
        write_csv(folder, "meters.csv", METERS),
        write_csv(folder, "tariffs.csv", TARIFFS),
        write_csv(folder, "charges.csv", CHARGES),
        write_csv(folder, "bills.csv", BILLS),
        write_csv(folder, "readings.csv", READINGS),
        write_csv(folder, "payments.csv", PAYMENTS),
    ]


def snapshot() -> dict[str, Any]:
    """Counts and money totals of every imported table: equal snapshots mean nothing changed."""
    return {
        "premises": Premises.objects.count(),
        "accounts": list(Account.objects.order_by("pk").values_list(
            "number", "number_display", "owner_name", "status", "premises_id", "branch_id")),
        "meters": Meter.objects.count(),
        "tariffs": Tariff.objects.aggregate(n=Count("pk"), s=Sum("price")),
        "charges": Charge.objects.aggregate(
            n=Count("pk"), charged=Sum("charged"), total=Sum("total"), volume=Sum("volume")),
        "bills": list(Bill.objects.order_by("pk").values_list(
            "account_id", "period", "number", "due_date", "charged", "total")),
        "sections": BillSection.objects.aggregate(n=Count("pk"), t=Sum("total")),
        "readings": list(Reading.objects.order_by("pk").values_list(
            "external_id", "status", "value_1", "value_2")),
        "payments": Payment.objects.aggregate(n=Count("pk"), s=Sum("amount")),
        "splits": PaymentSplit.objects.aggregate(n=Count("pk"), s=Sum("amount")),
    }  # fmt: skip
