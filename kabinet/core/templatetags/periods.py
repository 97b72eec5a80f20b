"""``{{ period|month_year }}`` → «декабрь 2026», ``{{ day|day_month }}`` → «25 декабря»: the
helpers of ``kabinet.core.periods``, so no template prints a month with ``date:"F Y"``."""

from __future__ import annotations

import datetime as dt

from django import template

from kabinet.core import periods

register = template.Library()


@register.filter
def month_year(value: dt.date | None) -> str:
    return periods.month_year(value) if value else ""


@register.filter
def month_name(value: dt.date | None) -> str:
    return periods.month_name(value) if value else ""


@register.filter
def day_month(value: dt.date | None) -> str:
    return periods.day_month(value) if value else ""
