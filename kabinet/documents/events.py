"""«Все события» of a period as a file: CSV, XLSX and PDF.

Every format prints the same flat rows (``event_rows``): a row per event with its month, day,
kind, title, state, amount and details, so a customer finds the same thing in each. The PDF is
laid out by typst as the bills are, from JSON in ``sys_inputs`` (no string from the database
becomes typst source).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import typst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from kabinet.core.money import format_rubles, plain_rubles
from kabinet.core.timeline import Event, Month, month_title

TEMPLATE = Path(__file__).resolve().parent / "templates" / "documents" / "events.typ"
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class Heading:
    """Whose events and which months: printed above the rows and in the file's name."""

    account_number: str
    address: str
    first: dt.date
    last: dt.date

    @property
    def title(self) -> str:
        return _("События по лицевому счёту %(number)s") % {"number": self.account_number}

    @property
    def period(self) -> str:
        return _("с %(first)s по %(last)s") % {
            "first": month_title(self.first),
            "last": month_title(self.last),
        }


def _columns() -> list[str]:
    return [
        _("Месяц"), _("Дата"), _("Событие"), _("Описание"), _("Состояние"), _("Сумма, ₽"),
        _("Подробности"),
    ]  # fmt: skip


def _details(event: Event) -> str:
    return "; ".join(f"{line.label}: {line.value}" for line in (*event.lines, *event.parts))


def event_rows(months: Iterable[Month]) -> list[list[str]]:
    """A row of text per event, the amount in plain digits («1545.13») so a spreadsheet sums it."""
    return [
        [
            month_title(month.period),
            f"{event.day:%d.%m.%Y}",
            event.kind_label,
            event.title,
            event.text,
            plain_rubles(event.amount) if event.amount is not None else "",
            _details(event),
        ]
        for month in months
        for event in month.events
    ]


def filename(heading: Heading, extension: str) -> str:
    """`sobytiya_<account>_<YYYY-MM>_<YYYY-MM>.<ext>`, ASCII so every browser keeps it."""
    number = re.sub(r"[^0-9A-Za-z-]+", "_", heading.account_number).strip("_") or "account"
    return f"sobytiya_{number}_{heading.first:%Y-%m}_{heading.last:%Y-%m}.{extension}"


def events_csv(months: Iterable[Month]) -> bytes:
    """Semicolon-separated UTF-8 with a byte-order mark: what Excel in a Russian locale opens
    without asking for the encoding."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(_columns())
    writer.writerows(event_rows(months))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def events_xlsx(months: Iterable[Month], heading: Heading) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = str(_("События"))
    sheet.append([heading.title])
    sheet.append([heading.period])
    sheet.append(_columns())
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in event_rows(months):
        *text, amount, details = row
        # The amount as a number, not text: a customer adds the payments up in the sheet.
        sheet.append([*text, Decimal(amount) if amount else None, details])
        if amount:
            sheet.cell(row=sheet.max_row, column=6).number_format = "#,##0.00"
    for letter, width in zip("ABCDEFG", (16, 12, 14, 48, 28, 14, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A4"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def events_pdf(months: list[Month], heading: Heading) -> bytes:
    data = {
        "title": heading.title,
        "period": heading.period,
        "address": heading.address,
        "empty": _("За выбранный период событий нет."),
        "nothing": _("Событий нет."),
        "months": [
            {
                "title": month_title(month.period),
                "events": [
                    {
                        "day": f"{event.day:%d.%m.%Y}",
                        "kind": event.kind_label,
                        "title": event.title,
                        "text": event.text,
                        "amount": format_rubles(event.amount) if event.amount is not None else "",
                        "lines": [
                            {"label": line.label, "value": line.value}
                            for line in (*event.lines, *event.parts)
                        ],
                    }
                    for event in month.events
                ],
            }
            for month in months
        ],
    }
    pdf = typst.compile(
        str(TEMPLATE),
        sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
        format="pdf",
        ignore_system_fonts=True,
    )
    if not isinstance(pdf, bytes):  # a list of pages only for image formats
        raise TypeError("typst returned pages instead of a PDF")
    return pdf


def export(months: list[Month], heading: Heading, extension: str) -> bytes:
    if extension == "csv":
        return events_csv(months)
    if extension == "xlsx":
        return events_xlsx(months, heading)
    return events_pdf(months, heading)
