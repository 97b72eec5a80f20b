"""The readings window of a supplier: when customers may submit, and for which period.

A window runs from ``readings_first_day`` 00:00 to ``readings_last_day`` at
``readings_close_time`` (end of that day when empty), in the supplier's time zone. A first day
after the last wraps the month end (25th → 5th: the window that opens on 25 October closes on
5 November and is for October). A day past the end of a short month means its last day, so
1–31 is the whole month in every month.

The window of a meter is its own supplier's: an account of a payment agent may have meters of
several suppliers, each with its own window and zone. What the customer reads about a window
(open until, opens on, closed) is written here, in the supplier's zone, with «по времени
Екатеринбурга» when that zone's clock differs from the site's (the customer's own zone is not
known; the site's ``TIME_ZONE`` stands for it).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import dateformat, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

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
    zone: ZoneInfo
    today: dt.date  # the date at ``moment`` in the supplier's zone: a reading's ``taken_on``

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
        zone=zone,
        today=local.date(),
    )


class Windows:
    """The windows of the suppliers of one submission or page at one moment, each computed once:
    an account's meters may belong to several suppliers, and most share one."""

    def __init__(self, moment: dt.datetime | None = None) -> None:
        self.moment = moment or now()
        self._by_supplier: dict[int, WindowState] = {}

    def of(self, supplier: Supplier) -> WindowState:
        found = self._by_supplier.get(supplier.pk)
        if found is None:
            found = self._by_supplier[supplier.pk] = window_state(supplier, self.moment)
        return found


# --- what the customer reads ----------------------------------------------------------------

# The zones Russia uses, as the customer reads them: «по времени» and the zone's city in the
# genitive. A zone not listed here is named by its UTC offset.
ZONE_NOTES: dict[str, Promise] = {
    "Europe/Kaliningrad": gettext_lazy("по времени Калининграда"),
    "Europe/Moscow": gettext_lazy("по времени Москвы"),
    "Europe/Kirov": gettext_lazy("по времени Кирова"),
    "Europe/Volgograd": gettext_lazy("по времени Волгограда"),
    "Europe/Astrakhan": gettext_lazy("по времени Астрахани"),
    "Europe/Saratov": gettext_lazy("по времени Саратова"),
    "Europe/Ulyanovsk": gettext_lazy("по времени Ульяновска"),
    "Europe/Samara": gettext_lazy("по времени Самары"),
    "Asia/Yekaterinburg": gettext_lazy("по времени Екатеринбурга"),
    "Asia/Omsk": gettext_lazy("по времени Омска"),
    "Asia/Novosibirsk": gettext_lazy("по времени Новосибирска"),
    "Asia/Barnaul": gettext_lazy("по времени Барнаула"),
    "Asia/Tomsk": gettext_lazy("по времени Томска"),
    "Asia/Novokuznetsk": gettext_lazy("по времени Новокузнецка"),
    "Asia/Krasnoyarsk": gettext_lazy("по времени Красноярска"),
    "Asia/Irkutsk": gettext_lazy("по времени Иркутска"),
    "Asia/Chita": gettext_lazy("по времени Читы"),
    "Asia/Yakutsk": gettext_lazy("по времени Якутска"),
    "Asia/Khandyga": gettext_lazy("по времени Хандыги"),
    "Asia/Vladivostok": gettext_lazy("по времени Владивостока"),
    "Asia/Ust-Nera": gettext_lazy("по времени Усть-Неры"),
    "Asia/Magadan": gettext_lazy("по времени Магадана"),
    "Asia/Sakhalin": gettext_lazy("по времени Южно-Сахалинска"),
    "Asia/Srednekolymsk": gettext_lazy("по времени Среднеколымска"),
    "Asia/Kamchatka": gettext_lazy("по времени Петропавловска-Камчатского"),
    "Asia/Anadyr": gettext_lazy("по времени Анадыря"),
}


def _offset_text(local: dt.datetime) -> str:
    """«+7», «+5:30», «-1»: the UTC offset as a clock shows it."""
    offset = local.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours}:{minutes:02d}" if minutes else f"{sign}{hours}"


def zone_note(zone: ZoneInfo, at: dt.datetime) -> str:
    """«по времени Екатеринбурга» when the clock of ``zone`` at ``at`` differs from the site's,
    «по времени UTC+7» for a zone without a city here, "" when both clocks show the same time
    (a supplier in Kirov needs no note on a Moscow site)."""
    site = ZoneInfo(settings.TIME_ZONE)
    local = at.astimezone(zone)
    if local.utcoffset() == at.astimezone(site).utcoffset():
        return ""
    note = ZONE_NOTES.get(zone.key)
    if note is not None:
        return str(note)
    return _("по времени UTC%(offset)s") % {"offset": _offset_text(local)}


def moment_text(at: dt.datetime, zone: ZoneInfo, *, with_time: bool = True) -> str:
    """«26.10.2026 17:00» in the supplier's zone, with the zone note when it differs from the
    site's. The time is always shown with the note: midnight in Tomsk is 20:00 the day before in
    Moscow, and the date alone would mislead."""
    note = zone_note(zone, at)
    text = dateformat.format(at.astimezone(zone), "d.m.Y H:i" if with_time or note else "d.m.Y")
    return f"{text} {note}" if note else text


def _until(window: WindowState, *, with_note: bool) -> str:
    """« (до 17:00 по времени Томска)», « (по времени Томска)», « (до 17:00)» or ""."""
    note = zone_note(window.zone, window.closes_at) if with_note else ""
    if window.close_time is None:
        return f" ({note})" if note else ""
    time = window.close_time.strftime("%H:%M")
    return _(" (до %(time)s)") % {"time": f"{time} {note}" if note else time}


def open_message(window: WindowState) -> str:
    """Inside the window: its days and when it closes."""
    rule = _("Показания принимаются с %(first)s по %(last)s число") % {
        "first": window.first_day,
        "last": window.last_day,
    }
    if window.close_time is not None:
        rule += " " + _("(до %(time)s последнего дня)") % {
            "time": window.close_time.strftime("%H:%M")
        }
    until = _("Приём открыт до %(date)s.") % {"date": moment_text(window.closes_at, window.zone)}
    return f"{rule}. {until}"


def late_message(window: WindowState) -> str:
    """Outside the window of a supplier that still takes readings: they go to the next period."""
    return _(
        "Основной период приёма показаний — с %(first)s по %(last)s число%(until)s; показания, "
        "переданные позже, учитываются в следующем периоде."
    ) % {
        "first": window.first_day,
        "last": window.last_day,
        "until": _until(window, with_note=True),
    }


def closed_rule(window: WindowState) -> str:
    """Outside a strict window: that it is closed and its days."""
    return _(
        "Приём показаний закрыт. Показания принимаются с %(first)s по %(last)s число%(until)s."
    ) % {
        "first": window.first_day,
        "last": window.last_day,
        "until": _until(window, with_note=True),
    }


def countdown(window: WindowState) -> str:
    """«Приём откроется через 19 дн. — 15.11.2026» (with the hour and zone when it differs)."""
    return ngettext(
        "Приём откроется через %(days)s день — %(date)s",
        "Приём откроется через %(days)s дн. — %(date)s",
        window.days_until_open,
    ) % {
        "days": window.days_until_open,
        "date": moment_text(window.opens_at, window.zone, with_time=False),
    }


def closed_message(window: WindowState) -> str:
    """Why a submission is refused outside a strict window, and when it opens: the page's
    error, the API's ``window_closed`` message and its ``window.message``."""
    return f"{closed_rule(window)} {countdown(window)}."


def status_message(window: WindowState) -> str:
    """What the page says about the window now: open until, closed (with the countdown), or
    open for the next period."""
    if window.is_open:
        return open_message(window)
    if window.strict:
        return closed_message(window)
    return late_message(window)
