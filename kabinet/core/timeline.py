"""«Все события»: one timeline of an account, composed from sources that each app owns.

A source is a function in its app's selectors, ``source(link, start, end) -> list[Event]``: the
events of the linked account on the calendar days ``start``..``end`` (inclusive, the first day
of the first month to the last day of the last one). Which sources make the timeline is the
``TIMELINE_SOURCES`` setting (event kind → dotted path), so a source of an app above this one
(notifications) joins with one line there, and the page and the API, which sit beside each
other, compose the same timeline without importing each other.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.formats import date_format
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kabinet.core.periods import add_months, period_of

# The longest period a page or the API lists: every month of it is shown, and billing keeps a
# few years of history at most.
MAX_MONTHS = 60

# The kinds the page names; a kind without a label here is shown by its code.
KIND_LABELS = {
    "reading": _("Показания"),
    "bill": _("Квитанция"),
    "payment": _("Оплата"),
    "request": _("Заявка"),
    "appeal": _("Обращение"),
    "document": _("Документы"),
    "notification": _("Уведомление"),
}
# Within one day: what the customer did first, then what the utility answered with.
_KIND_ORDER = {kind: index for index, kind in enumerate(KIND_LABELS)}


@dataclass(frozen=True)
class Line:
    """A labelled value of an event's detail: («День», «14 323 кВт·ч»)."""

    label: str
    value: str


@dataclass(frozen=True)
class Event:
    """One thing that happened on an account, as the timeline, its exports and the API show it.

    ``day`` is the customer's calendar day (in the supplier's time zone); ``period`` the month
    the event is listed under (a bill's own period, otherwise the month of ``day``). ``lines``
    is the general detail, ``parts`` the per-supplier one (a bill's sections, a payment's
    split). ``bill_id`` is the bill to print: a bill's own, or the one a reading was counted in.
    """

    kind: str
    day: dt.date
    period: dt.date
    title: str
    ref: int
    text: str = ""
    amount: Decimal | None = None
    lines: tuple[Line, ...] = ()
    parts: tuple[Line, ...] = ()
    bill_id: int | None = None

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


@dataclass
class Month:
    period: dt.date
    events: list[Event] = field(default_factory=list)


Source = Callable[[Any, dt.date, dt.date], list[Event]]


@cache
def sources() -> dict[str, Source]:
    """The ``TIMELINE_SOURCES`` functions by event kind, in the setting's order."""
    return {kind: import_string(path) for kind, path in settings.TIMELINE_SOURCES.items()}


def kinds() -> list[str]:
    return list(settings.TIMELINE_SOURCES)


def day_bounds(start: dt.date, end: dt.date, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The instants [since, until) of the calendar days ``start``..``end`` in ``zone``: what a
    source filters a stored UTC time by."""
    tz = zoneinfo.ZoneInfo(zone)
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return since, until


def local_day(moment: dt.datetime, zone: str) -> dt.date:
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).date()


def month_title(period: dt.date) -> str:
    """«Январь 2020», as a month heading."""
    return str(date_format(period, "F Y"))


def month_in_sentence(period: dt.date) -> str:
    """«январь 2020»: Russian writes a month in the middle of a sentence in lower case; English
    does not."""
    title = month_title(period)
    if (get_language() or "ru").startswith("ru"):
        return title[:1].lower() + title[1:]
    return title


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The periods from ``last`` back to ``first``, newest first, as the page lists them."""
    periods = []
    period = period_of(last)
    while period >= period_of(first):
        periods.append(period)
        period = add_months(period, -1)
    return periods


def timeline(
    link: Any, first: dt.date, last: dt.date, only: Iterable[str] | None = None
) -> list[Month]:
    """The events of the linked account in the months ``first``..``last`` (periods), newest
    month first and every month listed even when nothing happened in it; within a month the
    newest day first. ``only`` limits the kinds (a tab): the other sources are not asked."""
    wanted = set(only) if only is not None else None
    start, end = period_of(first), add_months(period_of(last), 1) - dt.timedelta(days=1)
    months = {period: Month(period) for period in months_between(start, end)}
    for kind, source in sources().items():
        if wanted is not None and kind not in wanted:
            continue
        for event in source(link, start, end):
            # A bill of the period is listed under it even when issued later; an event a source
            # dated outside the months (a day boundary in another zone) is not shown twice.
            month = months.get(event.period)
            if month is not None:
                month.events.append(event)
    for month in months.values():
        month.events.sort(key=lambda e: (-e.day.toordinal(), _KIND_ORDER.get(e.kind, 99), -e.ref))
    return list(months.values())


def events_of(months: Iterable[Month]) -> list[Event]:
    return [event for month in months for event in month.events]
