from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.utils import translation

from kabinet.core.periods import (
    add_months,
    day_month,
    format_period,
    month_year,
    parse_period,
    period_of,
)


@pytest.mark.parametrize("text", ["2026-10", "2026-10-01", "10.2026", " 2026-10 "])
def test_it_parses_the_accepted_spellings_of_a_month(text: str) -> None:
    assert parse_period(text) == dt.date(2026, 10, 1)


def test_it_parses_january_and_december() -> None:
    assert parse_period("01.2027") == dt.date(2027, 1, 1)
    assert parse_period("2026-12") == dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    "text",
    [
        "2026-13",
        "13.2026",
        "2026-00",
        "00.2026",
        "2026-10-15",
        "2026-1",
        "1.2026",
        "26-10",
        "1899-12",
        "октябрь 2026",
        "2026/10",
        "2026-١٠",
        "",
        "garbage",
    ],
)
def test_it_rejects_anything_that_is_not_a_month(text: str) -> None:
    # The message is the rejected text, so an import error can quote it.
    with pytest.raises(ValueError, match=f"^{re.escape(text)}$"):
        parse_period(text)


@pytest.mark.parametrize(
    ("period", "months", "expected"),
    [
        (dt.date(2026, 10, 1), 1, dt.date(2026, 11, 1)),
        (dt.date(2026, 12, 1), 1, dt.date(2027, 1, 1)),
        (dt.date(2026, 1, 1), -1, dt.date(2025, 12, 1)),
        (dt.date(2026, 11, 1), 14, dt.date(2028, 1, 1)),
        (dt.date(2026, 2, 1), -26, dt.date(2023, 12, 1)),
        (dt.date(2026, 5, 1), 0, dt.date(2026, 5, 1)),
    ],
)
def test_it_adds_months_across_year_boundaries(
    period: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(period, months) == expected


def test_it_finds_the_period_of_a_day() -> None:
    assert period_of(dt.date(2026, 2, 28)) == dt.date(2026, 2, 1)


def test_it_formats_a_period_the_way_it_parses_it() -> None:
    assert format_period(dt.date(2026, 3, 1)) == "2026-03"
    assert parse_period(format_period(dt.date(2026, 3, 1))) == dt.date(2026, 3, 1)


def test_a_month_reads_lower_case_in_russian_as_on_the_bill_and_capitalised_in_english() -> None:
    with translation.override("ru"):
        assert month_year(dt.date(2026, 12, 1)) == "декабрь 2026"
        assert month_year(dt.date(2026, 5, 1)) == "май 2026"
    with translation.override("en"):
        assert month_year(dt.date(2026, 12, 1)) == "December 2026"


def test_a_day_of_a_month_is_in_the_genitive() -> None:
    with translation.override("ru"):
        assert day_month(dt.date(2026, 12, 25)) == "25 декабря"
        assert day_month(dt.date(2026, 5, 1)) == "1 мая"
    with translation.override("en"):
        assert day_month(dt.date(2026, 12, 25)) == "25 December"


def test_templates_print_months_through_the_same_helper() -> None:
    template = Template(
        "{% load i18n periods %}"
        "{% blocktranslate with period=p|month_year %}"
        "За {{ period }} начислений нет.{% endblocktranslate %}"
        " {{ d|day_month }} {{ none|month_year }}"
    )
    context = Context({"p": dt.date(2026, 12, 1), "d": dt.date(2026, 12, 25), "none": None})
    with translation.override("ru"):
        assert template.render(context) == "За декабрь 2026 начислений нет. 25 декабря "


def test_no_template_prints_a_capitalised_month_with_the_date_filter() -> None:
    """«за Декабрь 2026» came from ``date:"F Y"``; every month goes through month_year now."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "kabinet"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if re.search(r"""date:["'][^"']*[FE]""", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
