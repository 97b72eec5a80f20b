"""Export of portal payments: the documented format and the `;` windows-1251 bank registry."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from kabinet.billing.models import Account, Supplier
from kabinet.payments.models import Payment, PaymentSplit
from tests.factories import make_payment

pytestmark = pytest.mark.django_db

MSK = dt.timezone(dt.timedelta(hours=3))
OCTOBER = ("--since", "2026-10-01", "--until", "2026-11-01")


@pytest.fixture
def paid(account: Account, energy: Supplier, housing: Supplier) -> Payment:
    """A portal payment of three bill lines: one to ТЭСК, two (service and penalty) to the УК."""
    payment = make_payment(
        account,
        splits=[],
        amount=Decimal("2097.04"),
        paid_at=dt.datetime(2026, 10, 20, 12, 5, 7, tzinfo=MSK),
        provider="yookassa",
        provider_payment_id="2f5b0000-000f-5000-8000-1",
        external_id="",
    )
    payment.splits.all().delete()  # the factory's one split to the account's supplier
    for charge in account.charges.select_related("service"):
        PaymentSplit.objects.create(
            payment=payment, supplier=charge.supplier, service=charge.service, amount=charge.total
        )
    return payment


def test_the_payments_export_has_one_row_per_recipient(tmp_path: Path, paid: Payment) -> None:
    call_command(
        "export_billing", *OCTOBER, "--kind", "payments", "--out", str(tmp_path), stdout=StringIO()
    )

    text = (tmp_path / "payments_2026-10-01_2026-11-01.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [(r["recipient"], r["amount"], r["provider_id"]) for r in rows] == [
        (
            paid.splits.get(amount=Decimal("684.70")).supplier.code,
            "684.70",
            "2f5b0000-000f-5000-8000-1",
        ),
        (
            paid.splits.get(amount=Decimal("1400.00")).supplier.code,
            "1412.34",
            "2f5b0000-000f-5000-8000-1",
        ),
    ]


def test_the_registry_is_windows_1251_with_totals_in_comment_lines(
    tmp_path: Path, paid: Payment
) -> None:
    call_command(
        "export_billing",
        *OCTOBER,
        "--kind",
        "payments_registry",
        "--out",
        str(tmp_path),
        stdout=StringIO(),
    )

    raw = (tmp_path / "payments_registry_2026-10-01_2026-11-01.csv").read_bytes()
    text = raw.decode("windows-1251")
    lines = text.splitlines()
    assert lines[0] == "#Реестр платежей картой через личный кабинет"
    assert "#Строк;2" in lines
    assert "#Сумма;2097,04" in lines
    body = [line for line in lines if not line.startswith("#")]
    rows = list(csv.DictReader(body, delimiter=";"))
    assert [
        (r["date"], r["time"], r["account"], r["recipient_inn"], r["amount"]) for r in rows
    ] == [
        ("20.10.2026", "12:05:07", "680123456", "6829012680", "684,70"),
        ("20.10.2026", "12:05:07", "680123456", "6829123456", "1412,34"),
    ]
    assert rows[0]["payer"] == "Петрова Мария Сергеевна"
    assert "Петрова".encode("windows-1251") in raw
