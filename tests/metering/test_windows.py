"""The readings window: supplier's zone, closing time, month-end wrap, the countdown."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kabinet.billing.models import Supplier
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
