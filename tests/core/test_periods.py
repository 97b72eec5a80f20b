from __future__ import annotations

import datetime as dt
import re

import pytest

from kabinet.core.periods import add_months, format_period, parse_period, period_of


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
