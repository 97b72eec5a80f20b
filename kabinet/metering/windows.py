"""The readings window of a supplier: when customers may submit, and for which period.

A window runs from ``readings_first_day`` 00:00 to ``readings_last_day`` at
``readings_close_time`` (end of that day when empty), in the supplier's time zone. A first day
after the last wraps the month end (25th → 5th: the window that opens on 25 October closes on
5 November and is for October). A day past the end of a short month means its last day, so
1–31 is the whole month in every month.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone

from kabinet.billing.models import Supplier
from kabinet.core.periods import add_months, period_of


def now() -> dt.datetime:
    """The one clock of the readings window; tests move it."""
    return timezone.now()


@dataclass(frozen=True)
class WindowState:
    """Where ``moment`` falls for a supplier.

    ``period`` is the month the window that is open (or opens next) belongs to: readings sent
    now are for it. ``opens_at``/``closes_at`` bound that window in the supplier's zone.
    """

    is_open: bool
    period: dt.date
    opens_at: dt.datetime
    closes_at: dt.datetime
    days_until_open: int
    first_day: int
    last_day: int
    close_time: dt.time | None
    strict: bool

    @property
    def accepts(self) -> bool:
        """Whether a submission is taken now: inside the window, or any time if not strict."""
        return self.is_open or not self.strict


def supplier_zone(supplier: Supplier) -> ZoneInfo:
    try:
        return ZoneInfo(supplier.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        # A typo in the admin must not close every form; the site's zone is the best guess.
        return ZoneInfo(settings.TIME_ZONE)


def _day(period: dt.date, day: int) -> dt.date:
    last = calendar.monthrange(period.year, period.month)[1]
    return period.replace(day=min(max(day, 1), last))


def _bounds(supplier: Supplier, period: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    first, last = supplier.readings_first_day, supplier.readings_last_day
    start = dt.datetime.combine(_day(period, first), dt.time(0, 0), tzinfo=zone)
    end_period = period if first <= last else add_months(period, 1)
    end_day = _day(end_period, last)
    close = supplier.readings_close_time
    if close is None:
        end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=zone)
    else:
        end = dt.datetime.combine(end_day, close, tzinfo=zone)
    return start, end


def window_state(supplier: Supplier, moment: dt.datetime | None = None) -> WindowState:
    """The supplier's window at ``moment`` (default: now)."""
    zone = supplier_zone(supplier)
    local = (moment or now()).astimezone(zone)
    current = period_of(local.date())
    chosen: tuple[dt.date, dt.datetime, dt.datetime] | None = None
    is_open = False
    # A wrapping window that opened last month may still be open; otherwise the next one is
    # this month's or next month's.
    for offset in (-1, 0, 1, 2):
        period = add_months(current, offset)
        start, end = _bounds(supplier, period, zone)
        if start <= local < end:
            chosen, is_open = (period, start, end), True
            break
        if start > local:
            chosen = (period, start, end)
            break
    if chosen is None:
        # Only an empty window (closing at 00:00 of its own first day) gets here: never open.
        period = add_months(current, 1)
        chosen = (period, *_bounds(supplier, period, zone))
    period, start, end = chosen
    return WindowState(
        is_open=is_open,
        period=period,
        opens_at=start,
        closes_at=end,
        days_until_open=0 if is_open else (start.date() - local.date()).days,
        first_day=supplier.readings_first_day,
        last_day=supplier.readings_last_day,
        close_time=supplier.readings_close_time,
        strict=supplier.readings_strict,
    )
