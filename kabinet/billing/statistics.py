"""«Статистика»: an account's consumption per service (and tariff zone) and its charges, month by
month for a year, beside the same months of the year before.

Consumption is the volume billing charged for (it is what the readings came to once billing
turned them into a bill: meter differences, norms, averages); a month without a bill has no
value rather than a zero, so it is neither the lowest month nor part of the average.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from kabinet.billing.models import Charge, Service, Zone, zone_number, zone_title
from kabinet.core.money import KOPECK

# The services whose volume is a consumption a customer follows: a resource. Maintenance and
# capital repair are charged per m² of the flat, waste per resident, an intercom per flat:
# their "volume" never changes with what the household uses.
CONSUMED_KINDS = (
    Service.Kind.ELECTRICITY,
    Service.Kind.COLD_WATER,
    Service.Kind.HOT_WATER,
    Service.Kind.SEWERAGE,
    Service.Kind.HEATING,
    Service.Kind.GAS,
)

# Volumes are kept with three fraction digits (m³ of water); an average is shown with as many.
VOLUME_STEP = Decimal("0.001")


@dataclass(frozen=True)
class Summary:
    """The highest and lowest month (the earliest of equal ones), the total and the average
    over the months that have a value."""

    highest: dt.date
    highest_value: Decimal
    lowest: dt.date
    lowest_value: Decimal
    total: Decimal
    average: Decimal
    months: int


def summarize(
    values: Mapping[dt.date, Decimal | None], step: Decimal = VOLUME_STEP
) -> Summary | None:
    """``Summary`` of the months with a value; None when none has one. The average is rounded
    half-even to ``step``."""
    known = sorted((period, value) for period, value in values.items() if value is not None)
    if not known:
        return None
    highest = min(known, key=lambda item: (-item[1], item[0]))
    lowest = min(known, key=lambda item: (item[1], item[0]))
    total = sum((value for _period, value in known), Decimal(0))
    return Summary(
        highest=highest[0],
        highest_value=highest[1],
        lowest=lowest[0],
        lowest_value=lowest[1],
        total=total,
        average=(total / len(known)).quantize(step),
        months=len(known),
    )


@dataclass(frozen=True)
class MonthValue:
    period: dt.date
    value: Decimal | None
    last_year: Decimal | None


@dataclass
class MonthSeries:
    """Twelve months of a year with the same months of the year before."""

    year: int
    months: list[MonthValue]
    summary: Summary | None
    last_year_summary: Summary | None

    @property
    def has_values(self) -> bool:
        return self.summary is not None or self.last_year_summary is not None


def month_series(
    year: int, values: Mapping[dt.date, Decimal], step: Decimal = VOLUME_STEP
) -> MonthSeries:
    """``values`` (period → value, any years) laid out as the twelve months of ``year``."""
    this = {dt.date(year, m, 1): values.get(dt.date(year, m, 1)) for m in range(1, 13)}
    last = {dt.date(year - 1, m, 1): values.get(dt.date(year - 1, m, 1)) for m in range(1, 13)}
    return MonthSeries(
        year=year,
        months=[
            MonthValue(period, value, last[period.replace(year=year - 1)])
            for period, value in this.items()
        ],
        summary=summarize(this, step),
        last_year_summary=summarize(last, step),
    )


@dataclass
class ZoneSeries:
    zone: str
    series: MonthSeries

    @property
    def title(self) -> str:
        """«T1 день»: as the bill labels the zone."""
        return zone_title(self.zone) or str(Zone(self.zone).label)


@dataclass
class ServiceSeries:
    """A service's consumption: all zones together, and each zone of a multi-zone meter."""

    service: Service
    unit: str
    total: MonthSeries
    zones: list[ZoneSeries] = field(default_factory=list)


@dataclass
class Statistics:
    year: int
    services: list[ServiceSeries]
    charges: MonthSeries


def statistics_years(account_id: int, this_year: int) -> list[int]:
    """The years the account has charges in, newest first; ``this_year`` always among them."""
    years = {
        day.year for day in Charge.objects.filter(account_id=account_id).dates("period", "year")
    }
    years.add(this_year)
    return sorted(years, reverse=True)


def account_statistics(account_id: int, year: int) -> Statistics:
    """Consumption per service and zone and the charges of ``year`` and the year before; three
    queries (volumes, services, charges)."""
    start, end = dt.date(year - 1, 1, 1), dt.date(year, 12, 1)
    lines = Charge.objects.filter(account_id=account_id, period__gte=start, period__lte=end)
    volumes = (
        lines.filter(volume__isnull=False, service__kind__in=CONSUMED_KINDS)
        .values("service_id", "zone", "period")
        .annotate(volume=Sum("volume"))
        .order_by()
    )
    by_zone: dict[int, dict[str, dict[dt.date, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for row in volumes:
        by_zone[row["service_id"]][row["zone"]][row["period"]] = row["volume"]
    services = Service.objects.in_bulk(list(by_zone))
    result = []
    for service_id, zones in by_zone.items():
        total: dict[dt.date, Decimal] = defaultdict(Decimal)
        for values in zones.values():
            for period, value in values.items():
                total[period] += value
        service = services[service_id]
        item = ServiceSeries(service=service, unit=service.unit, total=month_series(year, total))
        if len(zones) > 1 or "" not in zones:
            item.zones = [
                ZoneSeries(zone, month_series(year, zones[zone]))
                for zone in sorted(zones, key=zone_number)
            ]
        result.append(item)
    result.sort(key=lambda s: (s.service.sort_order, s.service.name))
    charged = {
        row["period"]: row["amount"]
        for row in lines.values("period").annotate(amount=Sum("charged")).order_by()
    }
    return Statistics(
        year=year,
        services=result,
        charges=month_series(year, charged, KOPECK),
    )
