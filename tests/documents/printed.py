"""A bill PDF read back as a customer reads it: the text of `pdftotext -layout`, its numbers parsed.

Nothing here looks at the data the PDF was made from: every amount comes from the printed text,
so a check on these numbers is a check on what the customer holds.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

# «1 234,56», «−47,55», «0,00»: the groups separated by a space (a no-break space comes back as
# one), two decimals. The bill never prints a bare whole number just before its money columns,
# so a run of amounts at the end of a line splits one way only.
AMOUNT = r"[-−]?\d{1,3}(?: \d{3})*,\d{2}"
COLUMNS = ("charged", "surcharge", "recalculation", "benefits", "opening_balance", "paid", "total")


def amount(text: str) -> Decimal:
    text = re.sub(r"[\s\u00a0\u202f]", "", text.replace("&nbsp;", ""))
    return Decimal(text.replace("−", "-").replace("&minus;", "-").replace(",", "."))


def quantity(text: str) -> Decimal:
    return Decimal(text.replace(" ", "").replace(",", "."))


def pdf_to_text(pdf: bytes, folder: Path) -> str:
    path = folder / "bill.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return result.stdout.replace("\u00a0", " ").replace("\u202f", " ")


@dataclass
class PrintedRow:
    label: str
    amounts: dict[str, Decimal]

    @property
    def computed_total(self) -> Decimal:
        a = self.amounts
        return (
            a["opening_balance"]
            + a["charged"]
            + a.get("surcharge", Decimal(0))
            + a["recalculation"]
            - a["benefits"]
            - a["paid"]
        )


@dataclass
class PrintedSection:
    text: str
    total: Decimal  # «Итого к оплате получателю, ₽: …» in the section's heading
    rows: list[PrintedRow] = field(default_factory=list)  # service rows and the penalty row
    sum_row: PrintedRow | None = None  # «Итого»
    difference_noted: bool = False

    @property
    def penalty_rows(self) -> list[PrintedRow]:
        return [r for r in self.rows if r.label.startswith("Пени")]

    @property
    def zone_numbers(self) -> list[int]:
        """T-numbers of the charge rows, in the order printed."""
        table = self.text.split("Итого к оплате получателю", 1)[1]
        table = re.split(r"^\s*Итого\s", table, maxsplit=1, flags=re.MULTILINE)[0]
        return [int(n) for n in re.findall(r"\(T(\d)", table)]


@dataclass
class PrintedMeterRow:
    serial: str
    service: str
    previous: Decimal
    current: Decimal
    consumption: Decimal


@dataclass
class PrintedBill:
    text: str
    has_surcharge: bool
    sections: list[PrintedSection]
    totals: dict[str, Decimal]
    total: Decimal  # «ИТОГО К ОПЛАТЕ» (an overpayment as a negative amount)
    meters: list[PrintedMeterRow]


TOTAL_LABELS = {
    "Долг (+) / аванс (−) на начало, ₽": "opening_balance",
    "Начислено, ₽": "charged",
    "Повышающий коэффициент, ₽": "surcharge",
    "Перерасчёт, ₽": "recalculation",
    "Льготы, субсидии, ₽": "benefits",
    "Оплачено, ₽": "paid",
    "Переплата (аванс), ₽": "advance",
}
METER_ROW = re.compile(
    r"^\s*№ (?P<serial>\S+)\s+(?P<service>.+?)\s+"
    r"(?P<previous>\d[\d ]*(?:,\d+)?) \(\d\d\.\d\d\.\d{4}\)\s+"
    r"(?P<current>\d[\d ]*(?:,\d+)?) \(\d\d\.\d\d\.\d{4}\)\s+"
    r"(?P<consumption>\d[\d ]*(?:,\d+)?)(?:\s+\d\d\.\d\d\.\d{4})?\s*$",
    re.MULTILINE,
)


def parse_bill(text: str) -> PrintedBill:
    has_surcharge = "коэфф" in text
    columns = COLUMNS if has_surcharge else tuple(c for c in COLUMNS if c != "surcharge")
    row_re = re.compile(
        rf"^\s*(?P<label>.*?)(?P<amounts>(?:\s+{AMOUNT}){{{len(columns)}}})\s*$", re.MULTILINE
    )
    totals_start = re.search(
        rf"^\s*Долг \(\+\) / аванс \(−\) на начало, ₽\s+{AMOUNT}\s*$", text, re.MULTILINE
    )
    assert totals_start is not None, "the document totals are not printed"
    body, tail = text[: totals_start.start()], text[totals_start.start() :]
    sections = []
    for chunk in body.split("Получатель платежа:")[1:]:
        heading = re.search(rf"Итого к оплате получателю, ₽: ({AMOUNT})", chunk)
        assert heading is not None, chunk
        section = PrintedSection(
            text=chunk,
            total=amount(heading[1]),
            difference_noted="Итог биллинга отличается" in chunk,
        )
        for match in row_re.finditer(chunk):
            values = re.findall(AMOUNT, match["amounts"])
            row = PrintedRow(
                label=match["label"].strip(),
                amounts={c: amount(v) for c, v in zip(columns, values, strict=True)},
            )
            if row.label.startswith("Итого"):
                section.sum_row = row
            else:
                section.rows.append(row)
        sections.append(section)
    totals: dict[str, Decimal] = {}
    for line in tail.splitlines():
        for label, name in TOTAL_LABELS.items():
            found = re.fullmatch(rf"\s*{re.escape(label)}\s+({AMOUNT})\s*", line)
            if found:
                totals[name] = amount(found[1])
    grand = re.search(rf"ИТОГО К ОПЛАТЕ, ₽: ({AMOUNT})", tail)
    assert grand is not None, tail
    total = amount(grand[1]) - totals.pop("advance", Decimal(0))
    meters = [
        PrintedMeterRow(
            serial=m["serial"],
            service=m["service"].strip(),
            previous=quantity(m["previous"]),
            current=quantity(m["current"]),
            consumption=quantity(m["consumption"]),
        )
        for m in METER_ROW.finditer(tail)
    ]
    return PrintedBill(text, has_surcharge, sections, totals, total, meters)


def assert_adds_up(bill: PrintedBill) -> None:
    """Every printed row gives its «К оплате», every section's «Итого» row is its rows added
    up and is the section's total, and the document's totals are its sections added up."""
    assert bill.sections, bill.text
    for section in bill.sections:
        assert not section.difference_noted, section.text
        for row in section.rows:
            assert row.computed_total == row.amounts["total"], (row, section.text)
        assert section.sum_row is not None, section.text
        for column, value in section.sum_row.amounts.items():
            assert sum((r.amounts[column] for r in section.rows), Decimal(0)) == value, (
                column,
                section.text,
            )
        assert section.sum_row.computed_total == section.sum_row.amounts["total"]
        assert section.sum_row.amounts["total"] == section.total, section.text
        for row in section.penalty_rows:  # no «Пени 0,00»
            assert any(row.amounts.values()), section.text
    for column, value in bill.totals.items():
        assert sum((s.sum_row.amounts[column] for s in bill.sections if s.sum_row), Decimal(0)) == (
            value
        ), column
    assert sum((s.total for s in bill.sections), Decimal(0)) == bill.total
