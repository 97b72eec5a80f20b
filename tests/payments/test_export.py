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
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from kabinet.billing.models import Account, Service, Supplier
from kabinet.payments import services
from kabinet.payments.models import Payment, PaymentSplit
from tests.factories import make_payment
from tests.payments.conftest import FakeYooKassa
from tests.payments.test_receipts import paid as paid_by_card

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


# --- Refunds reach billing -----------------------------------------------------------------


def next_range() -> tuple[str, ...]:
    """From November to tomorrow: the export after October's, whenever the test runs."""
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    return ("--since", "2026-11-01", "--until", tomorrow.isoformat())


def next_file(kind: str) -> str:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    return f"{kind}_2026-11-01_{tomorrow.isoformat()}.csv"


def export(tmp_path: Path, *args: str) -> None:
    call_command("export_billing", *args, "--out", str(tmp_path), stdout=StringIO())


def read(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    lines = [line for line in path.read_text(encoding=encoding).splitlines() if line[:1] != "#"]
    return list(csv.DictReader(lines, delimiter=";"))


@pytest.fixture
def portal_paid(
    client: Client,
    client_in: Client,
    account: Account,
    fake_yookassa: FakeYooKassa,
    housing: Supplier,
) -> Payment:
    """Paid through the portal on 20.10.2026 12:00 MSK: ТЭСК 684.70, УК 1400.00 + 12.34 penalty;
    the УК's section of the bill has its own ИПД."""
    account.bills.get().sections.filter(supplier=housing).update(number="68АБ123456-09-2026-02")
    return paid_by_card(client, client_in, account, fake_yookassa)


def service_code(name: str) -> str:
    return Service.objects.get(name=name).code


def test_a_partial_refund_after_the_export_goes_into_the_next_one_as_its_own_rows(
    tmp_path: Path, portal_paid: Payment, account: Account
) -> None:
    export(tmp_path / "october", *OCTOBER, "--kind", "payments")

    services.refund_payment(payment_id=portal_paid.pk, amount=Decimal("100.00"))
    export(tmp_path / "october-again", *OCTOBER, "--kind", "payments")
    export(tmp_path / "next", *next_range(), "--kind", "payments")

    october = read(tmp_path / "october" / "payments_2026-10-01_2026-11-01.csv")
    # October's money was received in full; re-exporting October changes nothing.
    assert read(tmp_path / "october-again" / "payments_2026-10-01_2026-11-01.csv") == october
    assert [(r["status"], r["amount"]) for r in october] == [
        ("succeeded", "684.70"),
        ("succeeded", "1412.34"),
    ]
    refund = portal_paid.refunds.get()
    rows = read(tmp_path / "next" / next_file("payments"))
    refunded_at = timezone.localtime(refund.refunded_at).isoformat(timespec="seconds")
    common = {
        "portal_id": str(portal_paid.pk),
        "supplier": account.supplier.code,
        "branch": "",
        "account": "680123456",
        "paid_at": "2026-10-20T12:00:00+03:00",
        "status": "refunded",
        "provider_id": portal_paid.provider_payment_id,
        "refund_id": str(refund.pk),
        "refunded_at": refunded_at,
        "els": "68АБ123456",
        "period": "2026-09",
    }
    energy, housing = (row["recipient"] for row in october)
    assert rows == [
        {
            **common,
            "recipient": energy,
            "amount": "-32.65",
            "bill_number": "68АБ123456-09-2026",
            "services": f"{service_code('Электроснабжение')}:-32.65",
        },
        {
            **common,
            "recipient": housing,
            "amount": "-67.35",
            "bill_number": "68АБ123456-09-2026-02",
            "services": (
                f"{service_code('Содержание жилого помещения')}:-66.76|{service_code('Пени')}:-0.59"
            ),
        },
    ]
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal("-100.00")


def test_a_payment_row_carries_the_bill_its_recipients_and_the_split_per_service(
    tmp_path: Path, portal_paid: Payment
) -> None:
    export(tmp_path, *OCTOBER, "--kind", "payments")

    rows = read(tmp_path / "payments_2026-10-01_2026-11-01.csv")
    assert [(r["els"], r["bill_number"], r["period"], r["services"]) for r in rows] == [
        (
            "68АБ123456",
            "68АБ123456-09-2026",
            "2026-09",
            f"{service_code('Электроснабжение')}:684.70",
        ),
        (
            "68АБ123456",
            "68АБ123456-09-2026-02",
            "2026-09",
            f"{service_code('Содержание жилого помещения')}:1400.00|{service_code('Пени')}:12.34",
        ),
    ]


def test_the_registry_books_refunds_as_negative_rows_and_its_total_is_the_net_money(
    tmp_path: Path, portal_paid: Payment, housing: Supplier
) -> None:
    services.refund_payment(payment_id=portal_paid.pk, recipient_id=housing.pk)
    # Paid and refunded within one range: both rows, adding up to what stayed with ТЭСК.
    since = ("--since", "2026-10-01", "--until", next_range()[-1])

    export(tmp_path, *since, "--kind", "payments_registry")

    (path,) = tmp_path.glob("payments_registry_*.csv")
    text = path.read_bytes().decode("windows-1251")
    assert "#Строк;3" in text.splitlines()
    assert "#Сумма;684,70" in text.splitlines()
    rows = read(path, "windows-1251")
    assert [(r["recipient_inn"], r["amount"], r["status"]) for r in rows] == [
        ("6829012680", "684,70", "succeeded"),
        ("6829123456", "1412,34", "succeeded"),
        ("6829123456", "-1412,34", "refunded"),
    ]
    refund = portal_paid.refunds.get()
    refunded_at = timezone.localtime(refund.refunded_at)
    assert (rows[2]["date"], rows[2]["time"]) == (
        f"{refunded_at:%d.%m.%Y}",
        f"{refunded_at:%H:%M:%S}",
    )
    assert (rows[2]["portal_id"], rows[2]["refund_id"], rows[2]["period"]) == (
        str(portal_paid.pk),
        str(refund.pk),
        "09.2026",
    )


def test_the_registry_per_recipient_is_one_headerless_file_per_settlement_account(
    tmp_path: Path, portal_paid: Payment
) -> None:
    export(tmp_path, *OCTOBER, "--kind", "payments_registry", "--per-recipient", "--no-header")

    names = sorted(path.name for path in tmp_path.iterdir())
    energy, housing = sorted(
        Supplier.objects.filter(inn__in=["6829012680", "6829123456"]), key=lambda s: s.inn
    )
    assert names == [
        f"6829012680_{energy.settlement_account}_20261101.csv",
        f"6829123456_{housing.settlement_account}_20261101.csv",
    ]
    text = (tmp_path / names[1]).read_bytes().decode("windows-1251")
    lines = text.split("\r\n")
    assert lines[:5] == [
        "#Реестр платежей картой через личный кабинет",
        f"#Получатель;ООО «УК Жилсервис | Центр»;6829123456;{housing.settlement_account}",
        "#Период;01.10.2026 00:00:00;01.11.2026 00:00:00",
        "#Строк;1",
        "#Сумма;1412,34",
    ]
    (row,) = csv.reader(lines[5:-1], delimiter=";")
    assert row[:11] == [
        "20.10.2026",
        "12:00:00",
        "680123456",
        "Петрова Мария Сергеевна",
        "г. Тамбов, ул. Советская, д. 12, кв. 34",
        row[5],
        "6829123456",
        "1412,34",
        str(portal_paid.pk),
        portal_paid.provider_payment_id,
        "succeeded",
    ]


def test_per_recipient_is_refused_for_a_kind_that_is_not_a_registry(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as refused:
        export(tmp_path, *OCTOBER, "--kind", "payments", "--per-recipient")

    assert refused.value.returncode == 2
    assert "payments_registry" in str(refused.value)
    assert not tmp_path.exists() or not list(tmp_path.iterdir())
