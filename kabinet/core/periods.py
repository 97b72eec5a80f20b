"""Billing periods: a month, stored as the date of its first day."""

from __future__ import annotations

import datetime as dt
import re

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
