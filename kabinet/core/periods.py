"""Billing periods: a month, stored as the date of its first day."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import pgettext_lazy

# ASCII only: \d would also take Arabic-Indic or full-width digits, which int() then accepts.
_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})(?:-01)?$", re.ASCII)
_DOTTED_RE = re.compile(r"^(\d{2})\.(\d{4})$", re.ASCII)


def period_of(day: dt.date) -> dt.date:
    """The period (first day of the month) that contains ``day``."""
    return day.replace(day=1)


def add_months(period: dt.date, months: int) -> dt.date:
    index = period.year * 12 + (period.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_period(text: str) -> dt.date:
    """Parse ``YYYY-MM``, ``YYYY-MM-01`` or ``MM.YYYY``; raise ValueError on anything else."""
    text = text.strip()
    match = _PERIOD_RE.match(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
    else:
        match = _DOTTED_RE.match(text)
        if not match:
            raise ValueError(text)
        month, year = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 1900:
        raise ValueError(text)
    return dt.date(year, month, 1)


def format_period(period: dt.date) -> str:
    return f"{period.year:04d}-{period.month:02d}"


# Russian writes a month inside a sentence in lower case («за декабрь 2026», «до 25 декабря»),
# as the bill PDF does; English capitalises it. Django's "F" is capitalised in Russian and its
# "E" has no English counterpart, so the names are Kabinet's own, translated like any string.
_MONTHS = (
    pgettext_lazy("month", "январь"),
    pgettext_lazy("month", "февраль"),
    pgettext_lazy("month", "март"),
    pgettext_lazy("month", "апрель"),
    pgettext_lazy("month", "май"),
    pgettext_lazy("month", "июнь"),
    pgettext_lazy("month", "июль"),
    pgettext_lazy("month", "август"),
    pgettext_lazy("month", "сентябрь"),
    pgettext_lazy("month", "октябрь"),
    pgettext_lazy("month", "ноябрь"),
    pgettext_lazy("month", "декабрь"),
)
_MONTHS_GENITIVE = (
    pgettext_lazy("month, genitive", "января"),
    pgettext_lazy("month, genitive", "февраля"),
    pgettext_lazy("month, genitive", "марта"),
    pgettext_lazy("month, genitive", "апреля"),
    pgettext_lazy("month, genitive", "мая"),
    pgettext_lazy("month, genitive", "июня"),
    pgettext_lazy("month, genitive", "июля"),
    pgettext_lazy("month, genitive", "августа"),
    pgettext_lazy("month, genitive", "сентября"),
    pgettext_lazy("month, genitive", "октября"),
    pgettext_lazy("month, genitive", "ноября"),
    pgettext_lazy("month, genitive", "декабря"),
)


def month_year(period: dt.date) -> str:
    """«декабрь 2026» («December 2026»): a period inside a sentence or a list, everywhere a month
    is printed (pages, PDF, e-mails, staff). A sentence-initial use capitalises it itself."""
    return f"{_MONTHS[period.month - 1]} {period.year}"


def month_name(period: dt.date) -> str:
    """«декабрь» («December»): a month alone, as a chart's or a table's month label."""
    return str(_MONTHS[period.month - 1])


def day_month(day: dt.date) -> str:
    """«25 декабря» («25 December»): a day of a month, in the genitive Russian needs."""
    return f"{day.day} {_MONTHS_GENITIVE[day.month - 1]}"
