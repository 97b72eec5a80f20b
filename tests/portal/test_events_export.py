"""The period of «Все события» as CSV, XLSX and PDF: each file has the period's events."""

from __future__ import annotations

import csv
import io
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from tests.portal.sample import History

pytestmark = pytest.mark.django_db

OCTOBER = {"range": "custom", "date_from": "2026-10", "date_to": "2026-10"}


def _export(client: Client, history: History, extension: str) -> bytes:
    url = reverse("portal:events", args=[history.account.pk])
    response = client.get(url, {**OCTOBER, "format": extension})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="sobytiya_680123456_2026-10_2026-10.{extension}"'
    )
    return response.content


def test_the_csv_parses_with_a_row_per_event(client_in: Client, history: History) -> None:
    content = _export(client_in, history, "csv").decode("utf-8-sig")

    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0] == [
        "Месяц", "Дата", "Событие", "Описание", "Состояние", "Сумма, ₽", "Подробности",
    ]  # fmt: skip
    by_kind = {row[2]: row for row in rows[1:]}
    assert set(by_kind) == {"Показания", "Квитанция", "Оплата"}
    assert by_kind["Квитанция"][:6] == [
        "Октябрь 2026", "02.11.2026", "Квитанция", "Квитанция за октябрь 2026",
        f"№ {history.bill.number}", "1545.13",
    ]  # fmt: skip
    assert by_kind["Оплата"][5] == "665.60"
    assert "День: 14\xa0323,00 кВт·ч" in by_kind["Показания"][6]
    assert by_kind["Показания"][4] == "Учтено в счёте за октябрь 2026"


def test_the_xlsx_opens_with_the_rows_and_numbers(client_in: Client, history: History) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_export(client_in, history, "xlsx")))
    sheet = book.active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))

    assert rows[0][0] == "События по лицевому счёту 680123456"
    assert rows[2][:3] == ("Месяц", "Дата", "Событие")
    # A spreadsheet number reads back as a float: compared through its text, to the kopeck.
    amounts = {row[2]: None if row[5] is None else Decimal(str(row[5])) for row in rows[3:]}
    assert amounts == {
        "Показания": None,
        "Квитанция": Decimal("1545.13"),
        "Оплата": Decimal("665.60"),
    }
    # Stored as numbers, so a spreadsheet adds them up.
    assert sheet.cell(row=5, column=6).data_type == "n"


def test_the_pdf_has_the_months_events_as_text(client_in: Client, history: History) -> None:
    pdf = _export(client_in, history, "pdf")
    assert pdf.startswith(b"%PDF")

    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    for expected in (
        "События по лицевому счёту 680123456",
        "Октябрь 2026",
        "Квитанция за октябрь 2026",
        "1 545,13 ₽",
        "Оплата 665,60 ₽",
        "6-123-3",
    ):
        assert expected in text.replace("\xa0", " "), expected


def test_a_name_from_the_database_prints_as_itself_in_the_pdf(
    client_in: Client, history: History
) -> None:
    history.account.supplier.short_name = '#import "x"]'
    history.account.supplier.save()

    pdf = _export(client_in, history, "pdf")

    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert '#import "x"]' in text
