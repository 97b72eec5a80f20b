"""Bills reconcile as printed: generated billing files and the demo's bills, loaded through the
importer, rendered to PDF and read back with pdftotext; every printed row, section and total
adds up, and the web bill card prints the same numbers."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.billing.exchange.importer import import_files
from kabinet.billing.models import Bill, Service, zone_number
from kabinet.demo.reference import ensure_reference_data
from kabinet.demo.simulation import DemoUtility
from kabinet.documents.bills import render_bill_pdf
from kabinet.documents.statements import Amounts, bill_statements
from kabinet.metering.models import ZONES_BY_COUNT
from tests.billing.exchange_files import Utility, write_csv
from tests.documents.printed import amount, assert_adds_up, parse_bill, pdf_to_text
from tests.factories import make_email_customer, make_link, make_service

pytestmark = pytest.mark.django_db

PERIOD, PREVIOUS = "2026-10", "2026-09"
_numbers = itertools.count(1)


def kopecks(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low, high).map(lambda k: Decimal(k) / 100)


@dataclass
class Line:
    recipient: str
    service: str
    zone: str = ""
    opening_balance: Decimal = Decimal("0.00")
    charged: Decimal = Decimal("0.00")
    surcharge: Decimal = Decimal("0.00")
    recalculation: Decimal = Decimal("0.00")
    benefits: Decimal = Decimal("0.00")
    paid: Decimal = Decimal("0.00")

    @property
    def total(self) -> Decimal:
        return (
            self.opening_balance
            + self.charged
            + self.surcharge
            + self.recalculation
            - self.benefits
            - self.paid
        )


@dataclass
class Month:
    """One account's month as billing sends it: lines, a meter and its two readings."""

    lines: list[Line]
    zones: int
    integer_digits: int
    fraction_digits: int
    previous: list[Decimal]
    current: list[Decimal]
    extra: dict[str, Any] = field(default_factory=dict)


@st.composite
def line(draw: st.DrawFn, recipient: str, service: str, zone: str = "") -> Line:
    charged = draw(kopecks(0, 2_000_000))
    return Line(
        recipient=recipient,
        service=service,
        zone=zone,
        # A debt, or an advance paid ahead (negative).
        opening_balance=draw(kopecks(-500_000, 3_000_000)),
        charged=charged,
        surcharge=draw(st.just(Decimal("0.00")) | kopecks(1, 1_000_000)),
        recalculation=draw(st.just(Decimal("0.00")) | kopecks(-200_000, 200_000)),
        benefits=draw(st.just(Decimal("0.00")) | kopecks(0, 500_000)),
        paid=draw(st.just(Decimal("0.00")) | kopecks(0, 3_000_000)),
    )


@st.composite
def penalty(draw: st.DrawFn, recipient: str) -> Line:
    """Unpaid penalties from before, this month's accrual and what was paid of them."""
    return Line(
        recipient=recipient,
        service="peni",
        opening_balance=draw(kopecks(0, 100_000)),
        charged=draw(kopecks(0, 10_000)),
        paid=draw(st.just(Decimal("0.00")) | kopecks(0, 50_000)),
    )


@st.composite
def reading(draw: st.DrawFn, integer: int, fraction: int) -> Decimal:
    units = draw(st.integers(0, 10 ** (integer + fraction) - 1))
    return Decimal(units).scaleb(-fraction)


@st.composite
def month(draw: st.DrawFn) -> Month:
    zones = draw(st.integers(1, 3))
    integer, fraction = draw(st.integers(4, 6)), draw(st.integers(0, 3))
    lines = [draw(line("energo", "el", zone)) for zone in ZONES_BY_COUNT[zones]]
    lines.append(draw(line("energo", "hvs")))
    if draw(st.booleans()):
        lines.append(draw(line("uk", "maint")))
    for recipient in sorted({x.recipient for x in lines}):
        if draw(st.booleans()):
            lines.append(draw(penalty(recipient)))
    draw(st.randoms()).shuffle(lines)  # the order billing sends is not the printed order
    return Month(
        lines=lines,
        zones=zones,
        integer_digits=integer,
        fraction_digits=fraction,
        previous=[draw(reading(integer, fraction)) for _ in range(zones)],
        current=[draw(reading(integer, fraction)) for _ in range(zones)],
    )


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def bill_rows(number: str, lines: list[Line]) -> list[dict[str, Any]]:
    """One section per recipient: its amounts are its lines added up, the period's penalties
    apart (the section's «charged» holds the surcharge, as the exchange contract says)."""
    rows = []
    for recipient in sorted({x.recipient for x in lines}):
        own = [x for x in lines if x.recipient == recipient]
        services = [x for x in own if x.service != "peni"]

        def total(name: str, of: list[Line] = own) -> str:
            return money(sum((getattr(x, name) for x in of), Decimal("0.00")))

        rows.append(
            {
                "supplier": "energo", "account": number, "period": PERIOD,
                "recipient": recipient, "number": f"ИПД{number}", "due_date": "2026-11-15",
                "opening_balance": total("opening_balance"),
                "charged": money(
                    sum((x.charged + x.surcharge for x in services), Decimal("0.00"))
                ),
                "recalculation": total("recalculation"), "benefits": total("benefits"),
                "penalties": total("charged", [x for x in own if x.service == "peni"]),
                "paid": total("paid"), "total": total("total"),
            }
        )  # fmt: skip
    return rows


def load_month(data: Month, folder: Path) -> Bill:
    number = f"77{next(_numbers):05d}"
    folder.mkdir()
    account = {"supplier": "energo", "account": number}
    meter_id = f"MZ{number}"
    capacity = f"{data.integer_digits}.{data.fraction_digits}"
    values = [
        {f"value_{i}": str(v) for i, v in enumerate(values, start=1)}
        for values in (data.previous, data.current)
    ]
    files = [
        write_csv(folder, "accounts.csv", [account | {
            "owner_name": "Кузнецова Анна Петровна", "premises_id": f"P{number}",
            "address": f"г. Тамбов, ул. Мира, д. {number}", "residents": "2"}]),
        write_csv(folder, "meters.csv", [account | {
            "meter_id": meter_id, "service": "el", "serial_number": f"S{number}",
            "zones": str(data.zones), "capacity": capacity}]),
        write_csv(folder, "charges.csv", [
            account | {"period": PERIOD, "recipient": x.recipient, "service": x.service,
                       "zone": x.zone, "opening_balance": money(x.opening_balance),
                       "charged": money(x.charged), "surcharge": money(x.surcharge),
                       "recalculation": money(x.recalculation), "benefits": money(x.benefits),
                       "paid": money(x.paid), "total": money(x.total)}
                    | ({} if x.service == "peni" else {
                        "volume": "100", "volume_basis": "meter", "tariff": "6.98"})
            for x in data.lines]),
        write_csv(folder, "bills.csv", bill_rows(number, data.lines)),
        write_csv(folder, "readings.csv", [
            {"supplier": "energo", "meter_id": meter_id, "reading_id": f"{meter_id}-{n}",
             "taken_on": taken_on, "status": "billed", "billed_period": taken_on[:7]} | value
            for n, (taken_on, value) in enumerate(
                zip(("2026-09-20", "2026-10-20"), values, strict=True))]),
    ]  # fmt: skip
    batches = import_files(files, started_by="test")
    assert all(b.status == b.Status.LOADED for b in batches), [b.errors for b in batches]
    return Bill.objects.get(account__number=number, period=dt.date(2026, 10, 1))


@pytest.fixture
def utility() -> Utility:
    utility = Utility()
    make_service(code="hvs", name="Холодное водоснабжение", unit="м³", kind=Service.Kind.COLD_WATER)
    return utility


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=month())
def test_every_generated_bill_adds_up_as_printed(
    data: Month, utility: Utility, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("month")
    bill = load_month(data, folder / "files")

    printed = parse_bill(pdf_to_text(render_bill_pdf(bill), folder))

    assert_adds_up(printed)
    # What billing sent is what is printed: every line, each section's total, the bill's.
    sections = bill_rows(bill.account.number, data.lines)
    assert [s.total for s in printed.sections] == [amount(s["total"]) for s in sections]
    assert printed.total == sum((x.total for x in data.lines), Decimal(0))
    for printed_section, recipient in zip(
        printed.sections, sorted({x.recipient for x in data.lines}), strict=True
    ):
        own = [x for x in data.lines if x.recipient == recipient]
        services = [x for x in own if x.service != "peni"]
        assert len(printed_section.rows) - len(printed_section.penalty_rows) == len(services)
        penalties = [x for x in own if x.service == "peni"]
        owes_penalties = any(x.opening_balance or x.charged or x.paid for x in penalties)
        assert len(printed_section.penalty_rows) == (1 if owes_penalties else 0)
        if owes_penalties:
            [row] = printed_section.penalty_rows
            [line] = penalties
            assert (
                row.amounts["opening_balance"],
                row.amounts["charged"],
                row.amounts["paid"],
            ) == (line.opening_balance, line.charged, line.paid)
    assert printed.has_surcharge == any(x.surcharge for x in data.lines)
    # Zones: T-numbers in order on the charge rows and on the meter rows alike.
    zones = sorted(zone_number(z) for z in ZONES_BY_COUNT[data.zones] if z)
    assert printed.sections[0].zone_numbers == zones
    meter_zones = [int(n) for m in printed.meters for n in re.findall(r"\(T(\d)", m.service)]
    assert meter_zones == zones
    # Consumption per zone, past the last digit and back to zero where the register rolled over.
    order = sorted(range(data.zones), key=lambda i: zone_number(ZONES_BY_COUNT[data.zones][i]))
    assert len(printed.meters) == data.zones
    for meter_row, i in zip(printed.meters, order, strict=True):
        used = data.current[i] - data.previous[i]
        if used < 0:
            used += 10**data.integer_digits
        assert (meter_row.previous, meter_row.current, meter_row.consumption) == (
            data.previous[i],
            data.current[i],
            used,
        )


def test_a_section_billing_totals_differently_shows_the_difference(
    utility: Utility, tmp_path: Path
) -> None:
    lines = [Line("energo", "el", opening_balance=Decimal("100.00"), charged=Decimal("50.00"))]
    bill = load_month(Month(lines, 1, 6, 0, [Decimal(1)], [Decimal(2)]), tmp_path / "files")
    # Billing's section total changed after the lines were loaded (an older import).
    bill.sections.update(total=Decimal("160.00"))
    Bill.objects.filter(pk=bill.pk).update(total=Decimal("160.00"))

    printed = parse_bill(pdf_to_text(render_bill_pdf(bill), tmp_path))

    [section] = printed.sections
    assert section.total == Decimal("160.00")  # what is owed: billing's total
    assert section.sum_row is not None
    assert section.sum_row.amounts["total"] == Decimal("150.00")
    assert section.difference_noted
    assert "10,00 ₽" in " ".join(section.text.split())


def test_every_demo_bill_adds_up_as_printed(tmp_path: Path) -> None:
    """The demo utility's bills: every one through the data the PDF prints, a sample of twenty
    rendered and read back (rendering all of them would cost the suite a minute)."""
    ensure_reference_data()
    files = DemoUtility(60, 12, 7, today=dt.date(2026, 11, 20)).write(tmp_path / "demo")
    batches = import_files(files.paths, started_by="test")
    assert all(b.status == b.Status.LOADED for b in batches), [b.errors for b in batches]

    bills = list(Bill.objects.select_related("account").order_by("pk"))
    statements = bill_statements(bills)
    assert len(statements) > 500
    for statement in statements:
        for section in statement.sections:
            rows = [Amounts.of_charge(c) for c in section.lines]
            for row in [*rows, *([section.penalties] if section.penalties else [])]:
                assert row.computed_total == row.total, (statement.bill, row)
            assert section.difference == 0, (statement.bill, section.supplier)
        assert statement.total == statement.bill.total
    assert any(s.has_surcharge for s in statements)
    assert any(sec.penalties for s in statements for sec in s.sections)

    sample = random.Random(7).sample(bills, 20)
    for bill in sample:
        printed = parse_bill(pdf_to_text(render_bill_pdf(bill), tmp_path))
        assert_adds_up(printed)
        assert printed.total == bill.total


def card_numbers(html: str) -> list[list[Decimal]]:
    """The amounts of each row of the bill card's table, in order."""
    rows = re.findall(
        r'<tr[^>]*data-testid="bill-(?:section|penalties|sections-total)"[^>]*>(.*?)</tr>',
        html,
        re.S,
    )
    return [
        [amount(v) for v in re.findall(r'<td class="text-end[^"]*">([^<]*)</td>', row)]
        for row in rows
    ]


def test_the_bill_card_prints_the_numbers_of_the_pdf(utility: Utility, tmp_path: Path) -> None:
    lines = [
        Line("energo", "el", "day", Decimal("1200.00"), Decimal("684.70"), paid=Decimal("1200.00")),
        Line("energo", "el", "night", charged=Decimal("156.00"), recalculation=Decimal("-6.00")),
        Line("energo", "hvs", opening_balance=Decimal("-50.00"), charged=Decimal("300.00"),
             surcharge=Decimal("150.00"), benefits=Decimal("90.00")),
        Line("energo", "peni", opening_balance=Decimal("603.45"), charged=Decimal("12.34")),
        Line("uk", "maint", charged=Decimal("1547.55"), benefits=Decimal("100.00")),
    ]  # fmt: skip
    bill = load_month(
        Month(lines, 2, 6, 1, [Decimal(1), Decimal(2)], [Decimal(3), Decimal(4)]),
        tmp_path / "files",
    )
    user = make_email_customer("card@example.org")
    make_link(user, bill.account)
    client = Client()
    client.force_login(user)

    html = client.get(
        f"/accounts/{bill.account_id}/bills/",
        {"range": "custom", "date_from": "2026-01", "date_to": "2026-12"},
    ).content.decode()
    printed = parse_bill(pdf_to_text(render_bill_pdf(bill), tmp_path))

    assert_adds_up(printed)
    order = (
        "opening_balance",
        "charged",
        "surcharge",
        "recalculation",
        "benefits",
        "paid",
        "total",
    )
    expected = []
    for section in printed.sections:
        assert section.sum_row is not None
        expected.append([section.sum_row.amounts[c] for c in order])
        expected += [[row.amounts[c] for c in order] for row in section.penalty_rows]
    expected.append([printed.totals.get(c, printed.total) for c in order])
    assert card_numbers(html) == expected
    # The penalty debt is on both: 603,45 of old penalties, 12,34 accrued.
    assert [Decimal("603.45"), Decimal("12.34")] == expected[1][:2]
    total = re.search(r"Итого к оплате</dt><dd[^>]*>([^<]*)</dd>", html)
    assert total is not None
    assert amount(total[1].replace("₽", "").strip()) == printed.total
