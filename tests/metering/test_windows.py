"""The readings window: supplier's zone, closing time, month-end wrap, the countdown."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from kabinet.billing.models import Supplier
from kabinet.metering import windows
from kabinet.metering.windows import window_state

MSK = ZoneInfo("Europe/Moscow")
YEKT = ZoneInfo("Asia/Yekaterinburg")


def supplier(first: int, last: int, close: dt.time | None = None, **kwargs: object) -> Supplier:
    # Unsaved: the window reads only the supplier's settings.
    return Supplier(
        readings_first_day=first,
        readings_last_day=last,
        readings_close_time=close,
        time_zone=str(kwargs.pop("zone", "Europe/Moscow")),
        **kwargs,
    )


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, zone: ZoneInfo = MSK
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


SEED_000 = supplier(15, 26, dt.time(17, 0))


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (at(2026, 10, 14, 23, 59), False),
        (at(2026, 10, 15, 0, 0), True),
        (at(2026, 10, 26, 16, 59), True),
        (at(2026, 10, 26, 17, 0), False),
    ],
)
def test_it_opens_on_the_first_day_and_closes_at_the_closing_time_of_the_last(
    moment: dt.datetime, is_open: bool
) -> None:
    assert window_state(SEED_000, moment).is_open is is_open


def test_it_is_evaluated_in_the_suppliers_time_zone() -> None:
    yekt = supplier(10, 25, zone="Asia/Yekaterinburg")
    # 23:30 in Moscow on the 25th is already 01:30 of the 26th in Yekaterinburg.
    state = window_state(yekt, at(2026, 10, 25, 23, 30))

    assert state.is_open is False
    assert state.period == dt.date(2026, 11, 1)
    assert state.opens_at == at(2026, 11, 10, 0, 0, zone=YEKT)


def test_outside_the_window_it_counts_the_days_until_it_opens() -> None:
    before = window_state(SEED_000, at(2026, 10, 5, 9, 0))
    after = window_state(SEED_000, at(2026, 10, 27, 9, 0))

    assert (before.is_open, before.days_until_open, before.period) == (
        False,
        10,
        dt.date(2026, 10, 1),
    )
    # After the window the next one is next month's, and readings sent then are for it.
    assert (after.days_until_open, after.period) == (19, dt.date(2026, 11, 1))


def test_a_window_may_wrap_the_month_end() -> None:
    wrap = supplier(25, 5)

    assert window_state(wrap, at(2026, 10, 24, 12, 0)).is_open is False
    late_october = window_state(wrap, at(2026, 10, 31, 12, 0))
    early_november = window_state(wrap, at(2026, 11, 5, 23, 0))
    assert late_october.is_open
    assert early_november.is_open
    # Both belong to October's window, which closes at the end of 5 November.
    assert late_october.period == early_november.period == dt.date(2026, 10, 1)
    assert early_november.closes_at == at(2026, 11, 6, 0, 0)
    assert window_state(wrap, at(2026, 11, 6, 0, 0)).days_until_open == 19


def test_the_whole_month_is_always_open_even_in_february() -> None:
    whole = supplier(1, 31)
    for moment in (at(2026, 2, 28, 23, 59), at(2027, 3, 1, 0, 0), at(2026, 12, 31, 23, 59)):
        assert window_state(whole, moment).is_open, moment


def test_a_last_day_past_a_short_month_means_its_last_day() -> None:
    to_30 = supplier(20, 30)
    assert window_state(to_30, at(2026, 2, 28, 12, 0)).is_open
    assert window_state(to_30, at(2026, 3, 1, 0, 0)).is_open is False


def test_a_supplier_that_is_not_strict_takes_late_readings_for_the_next_period() -> None:
    lenient = supplier(15, 26, readings_strict=False)
    state = window_state(lenient, at(2026, 10, 28, 12, 0))
    assert (state.is_open, state.accepts, state.period) == (False, True, dt.date(2026, 11, 1))


# --- the window as the customer reads it, in the supplier's zone --------------------------------

TOMSK = ZoneInfo("Asia/Tomsk")
YEKT_10_25 = supplier(10, 25, dt.time(17, 0), zone="Asia/Yekaterinburg")
MSK_10_25 = supplier(10, 25, dt.time(17, 0))


@pytest.fixture(autouse=True)
def _moscow_site(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Moscow"


@pytest.mark.parametrize(
    ("moment", "yekaterinburg_open", "moscow_open"),
    [
        # 22:00 in Moscow on the 9th is midnight of the 10th in Yekaterinburg: only its opens.
        (at(2026, 12, 9, 21, 59), False, False),
        (at(2026, 12, 9, 22, 0), True, False),
        (at(2026, 12, 10, 0, 0), True, True),
        # 17:00 in Yekaterinburg on the 25th is 15:00 in Moscow: its window closes two hours
        # before the Moscow supplier's.
        (at(2026, 12, 25, 14, 59), True, True),
        (at(2026, 12, 25, 15, 0), False, True),
        (at(2026, 12, 25, 17, 0), False, False),
    ],
)
def test_the_same_window_opens_and_closes_at_the_suppliers_own_midnight_and_hour(
    moment: dt.datetime, yekaterinburg_open: bool, moscow_open: bool
) -> None:
    assert window_state(YEKT_10_25, moment).is_open is yekaterinburg_open
    assert window_state(MSK_10_25, moment).is_open is moscow_open


def test_the_days_until_opening_and_the_readings_date_are_counted_in_the_suppliers_zone() -> None:
    # 23:30 on 20 October in Moscow is already the 21st in Yekaterinburg.
    moment = at(2026, 10, 20, 23, 30)
    assert window_state(YEKT_10_25, moment).today == dt.date(2026, 10, 21)
    assert window_state(MSK_10_25, moment).today == dt.date(2026, 10, 20)
    before_opening = at(2026, 12, 8, 23, 0)  # the 9th in Yekaterinburg
    assert window_state(YEKT_10_25, before_opening).days_until_open == 1
    assert window_state(MSK_10_25, before_opening).days_until_open == 2


def test_a_yekaterinburg_window_says_its_dates_in_yekaterinburg_time_on_a_moscow_site() -> None:
    closed = window_state(YEKT_10_25, at(2026, 12, 5, 12, 0))
    open_ = window_state(YEKT_10_25, at(2026, 12, 20, 12, 0))

    # Not «09.12.2026»: that is the Moscow date of Yekaterinburg's midnight.
    assert windows.countdown(closed) == (
        "Приём откроется через 5 дн. — 10.12.2026 00:00 по времени Екатеринбурга"
    )
    assert windows.closed_message(closed) == (
        "Приём показаний закрыт. Показания принимаются с 10 по 25 число "
        "(до 17:00 по времени Екатеринбурга). "
        "Приём откроется через 5 дн. — 10.12.2026 00:00 по времени Екатеринбурга."
    )
    assert windows.open_message(open_) == (
        "Показания принимаются с 10 по 25 число (до 17:00 последнего дня). "
        "Приём открыт до 25.12.2026 17:00 по времени Екатеринбурга."
    )


def test_a_window_in_the_sites_own_zone_needs_no_note() -> None:
    closed = window_state(MSK_10_25, at(2026, 12, 5, 12, 0))

    assert windows.countdown(closed) == "Приём откроется через 5 дн. — 10.12.2026"
    assert windows.open_message(window_state(MSK_10_25, at(2026, 12, 20, 12, 0))) == (
        "Показания принимаются с 10 по 25 число (до 17:00 последнего дня). "
        "Приём открыт до 25.12.2026 17:00."
    )


def test_a_late_reading_notice_names_the_zone_too() -> None:
    lenient = supplier(10, 25, zone="Asia/Tomsk", readings_strict=False)
    state = window_state(lenient, at(2026, 12, 28, 12, 0))

    assert windows.status_message(state) == (
        "Основной период приёма показаний — с 10 по 25 число (по времени Томска); показания, "
        "переданные позже, учитываются в следующем периоде."
    )


@pytest.mark.parametrize(
    ("zone", "note"),
    [
        ("Asia/Tomsk", "по времени Томска"),
        ("Asia/Kamchatka", "по времени Петропавловска-Камчатского"),
        ("Europe/Kaliningrad", "по времени Калининграда"),
        # The same clock as Moscow's: nothing to explain to a customer.
        ("Europe/Kirov", ""),
        ("Europe/Moscow", ""),
        # Zones without a city here are named by their offset.
        ("Asia/Dubai", "по времени UTC+4"),
        ("Asia/Kolkata", "по времени UTC+5:30"),
        ("America/Sao_Paulo", "по времени UTC-3"),
    ],
)
def test_a_zone_is_named_by_its_city_or_its_offset(zone: str, note: str) -> None:
    assert windows.zone_note(ZoneInfo(zone), at(2026, 12, 1, 12, 0)) == note


def test_on_a_site_in_another_zone_moscow_suppliers_get_the_note(settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Novosibirsk"
    closed = window_state(MSK_10_25, at(2026, 12, 5, 12, 0))

    assert windows.countdown(closed) == (
        "Приём откроется через 5 дн. — 10.12.2026 00:00 по времени Москвы"
    )


def test_the_note_is_translated_to_english() -> None:
    closed = window_state(YEKT_10_25, at(2026, 12, 5, 12, 0))
    with translation.override("en"):
        assert windows.countdown(closed) == (
            "Submission opens in 5 days — 10.12.2026 00:00 Yekaterinburg time"
        )
        assert windows.zone_note(ZoneInfo("Asia/Dubai"), at(2026, 12, 1)) == "UTC+4 time"


@pytest.mark.parametrize("name", sorted(windows.ZONE_NOTES))
def test_every_named_zone_is_a_real_zone(name: str) -> None:
    # A misspelt key would never match a supplier's zone and silently fall back to the offset.
    assert ZoneInfo(name).key == name
    assert name in zoneinfo.available_timezones()
