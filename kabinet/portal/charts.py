"""The «Статистика» chart drawn on the server: an SVG of bars, a pair per month (the year and
the year before), readable without JavaScript, by a screen reader (the page's data table and
the SVG's <title>/<desc>) and on paper."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.utils.formats import date_format

from kabinet.billing.statistics import MonthSeries

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 12, 28
TICKS = 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: Decimal
    period: dt.date
    last_year: bool


@dataclass(frozen=True)
class Tick:
    y: float
    value: Decimal


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: float
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[Label]


def _nice_top(highest: Decimal) -> Decimal:
    """The axis' top: the highest value rounded up to 1, 2 or 5 times a power of ten (so the
    ticks are round numbers)."""
    if highest <= 0:
        return Decimal(1)
    power = Decimal(10) ** (len(str(int(highest))) - 1)
    for step in (1, 2, 5, 10):
        top = power * step
        if top >= highest:
            return top
    return (highest / power).to_integral_value(rounding=ROUND_CEILING) * power


def bar_chart(series: MonthSeries) -> Chart:
    values = [v for m in series.months for v in (m.value, m.last_year) if v is not None]
    top = _nice_top(max(values, default=Decimal(0)))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    slot = plot_width / 12
    bar = slot * 0.36
    bars = []
    labels = []
    for index, month in enumerate(series.months):
        x = LEFT + index * slot
        labels.append(Label(x + slot / 2, str(date_format(month.period, "M"))))
        pairs = ((month.last_year, True, x + slot * 0.12), (month.value, False, x + slot * 0.5))
        for value, last_year, left in pairs:
            if value is None:
                continue
            height = float(max(value, Decimal(0)) / top) * plot_height
            bars.append(
                Bar(
                    round(left, 1), round(baseline - height, 1), round(bar, 1), round(height, 1),
                    value, month.period, last_year,
                )
            )  # fmt: skip
    ticks = [
        Tick(round(baseline - plot_height * i / TICKS, 1), top * i / TICKS)
        for i in range(TICKS + 1)
    ]
    return Chart(WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, baseline, bars, ticks, labels)
