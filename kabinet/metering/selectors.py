"""Reads that the readings pages, the API and reminders share.

Every account-scoped function takes an account id that the caller got from
``kabinet.billing.selectors.linked_account``: these functions do not check ownership.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import Account, Supplier
from kabinet.core.prepared import PreparedQuery
from kabinet.metering.models import Meter, Reading

ACCEPTED = (Reading.Status.ACCEPTED, Reading.Status.BILLED)
CUSTOMER_SOURCES = (Reading.Source.PORTAL, Reading.Source.PHOTO)
# A reading from any of these sources means billing will not bill the meter by average.
READ_SOURCES = (
    Reading.Source.PORTAL,
    Reading.Source.PHOTO,
    Reading.Source.INSPECTOR,
    Reading.Source.BILLING,
)


def in_service(today: dt.date) -> Q:
    return Q(removed_on__isnull=True) | Q(removed_on__gt=today)


def _meters_in_service_of(account_id: int, today: dt.date) -> QuerySet[Meter]:
    return Meter.objects.filter(in_service(today), account_id=account_id).order_by(
        "service__sort_order", "service__name", "serial_number"
    )


# Runs on every readings page and submission: compiled once per process.
_meters_in_service = PreparedQuery(
    _meters_in_service_of, {"account_id": int, "today": dt.date}, ["service"]
)


def active_meters(account_id: int, today: dt.date) -> list[Meter]:
    """The account's meters in service, with their service, in display order."""
    return _meters_in_service(account_id=account_id, today=today)


def _latest(readings: QuerySet[Reading], meter_ids: Sequence[int]) -> dict[int, Reading]:
    if not meter_ids:
        return {}
    newest = readings.filter(meter_id=OuterRef("pk")).order_by("-taken_on", "-submitted_at", "-pk")
    ids = (
        Meter.objects.filter(pk__in=meter_ids)
        .annotate(latest=Subquery(newest.values("pk")[:1]))
        .values_list("latest", flat=True)
    )
    return {r.meter_id: r for r in Reading.objects.filter(pk__in=[i for i in ids if i])}


def last_accepted(meter_ids: Sequence[int]) -> dict[int, Reading]:
    """The latest reading billing accepted (or billed) per meter, whatever its source."""
    if not meter_ids:
        return {}  # before the queryset: building it costs 0.3 ms, and a submission's usual case
    return _latest(Reading.objects.filter(status__in=ACCEPTED), meter_ids)


@dataclass
class MeterFacts:
    """What validating a submission needs to know about its meters, read in one query."""

    history: dict[int, list[Reading]]
    last: dict[int, Reading]
    open: dict[int, Reading]


_facts_of_account = PreparedQuery(
    lambda account_id, since, period: (
        Reading.objects.filter(meter__account_id=account_id)
        .filter(
            Q(status__in=ACCEPTED, taken_on__gte=since)
            | Q(period=period, source__in=CUSTOMER_SOURCES, status=Reading.Status.RECEIVED)
        )
        .order_by("meter_id", "taken_on", "submitted_at", "pk")
    ),
    {"account_id": int, "since": dt.date, "period": dt.date},
)


def meter_facts(
    account_id: int, meter_ids: Sequence[int], *, since: dt.date, period: dt.date
) -> MeterFacts:
    """Accepted readings since ``since`` (oldest first), the last accepted one, and the
    period's unanswered customer submission, per meter of ``meter_ids`` (of ``account_id``)."""
    history: dict[int, list[Reading]] = defaultdict(list)
    open_ones: dict[int, Reading] = {}
    wanted = set(meter_ids)
    # By account, not by a list of meters: one statement for any number of meters, so it is
    # compiled once (an account has a handful of meters; the others' rows are dropped here).
    for reading in _facts_of_account(account_id=account_id, since=since, period=period):
        if reading.meter_id not in wanted:
            continue
        if reading.status == Reading.Status.RECEIVED:
            open_ones.setdefault(reading.meter_id, reading)
        else:
            history[reading.meter_id].append(reading)
    last = {meter_id: items[-1] for meter_id, items in history.items()}
    # A meter not read for over a year: its last accepted reading is older than ``since``.
    last.update(last_accepted([m for m in meter_ids if m not in last]))
    return MeterFacts(history=history, last=last, open=open_ones)


def entered(meter_ids: Sequence[int], period: dt.date) -> dict[int, Reading]:
    """The latest customer submission of ``period`` per meter, whatever billing said."""
    return _latest(Reading.objects.filter(period=period, source__in=CUSTOMER_SOURCES), meter_ids)


@dataclass
class MeterRow:
    """A line of the submission page."""

    meter: Meter
    last: Reading | None
    entered: Reading | None

    @property
    def zones(self) -> list[tuple[int, str]]:
        """(position, label) of each zone: «День», «Ночь» …; a single-zone meter has one."""
        if self.meter.zones == 1:
            return [(1, str(_("Показание")))]
        return [(i, str(zone.label)) for i, zone in enumerate(self.meter.zone_list, start=1)]


def submission_rows(account_id: int, period: dt.date, today: dt.date) -> list[MeterRow]:
    meters = active_meters(account_id, today)
    ids = [m.pk for m in meters]
    last = last_accepted(ids)
    current = entered(ids, period)
    return [MeterRow(meter=m, last=last.get(m.pk), entered=current.get(m.pk)) for m in meters]


@dataclass
class MeterHistory:
    meter: Meter
    readings: list[Reading]


def reading_history(
    account_id: int, start: dt.date, end: dt.date, meter_id: int | None = None
) -> list[MeterHistory]:
    """Readings of every meter of the account (removed ones too) taken in [start, end]."""
    meters = Meter.objects.filter(account_id=account_id).select_related("service")
    if meter_id is not None:
        meters = meters.filter(pk=meter_id)
    by_meter: dict[int, list[Reading]] = defaultdict(list)
    for reading in Reading.objects.filter(
        meter__account_id=account_id, taken_on__gte=start, taken_on__lte=end
    ).order_by("-taken_on", "-submitted_at", "-pk"):
        by_meter[reading.meter_id].append(reading)
    return [
        MeterHistory(meter=m, readings=by_meter.get(m.pk, []))
        for m in meters.order_by("service__sort_order", "service__name", "serial_number")
    ]


@dataclass
class ReportLine:
    """A line of the readings report (seed 000 Рис. 28): one meter zone."""

    meter: Meter
    zone: str
    start: Reading | None
    start_value: Decimal | None
    end: Reading | None
    end_value: Decimal | None

    @property
    def use(self) -> Decimal | None:
        if self.start_value is None or self.end_value is None or self.start == self.end:
            return None
        return self.end_value - self.start_value


def readings_report(account_id: int, date_from: dt.date, date_to: dt.date) -> list[ReportLine]:
    """Per meter zone: the accepted reading before ``date_from`` and the last one to ``date_to``."""
    meters = list(
        Meter.objects.filter(account_id=account_id)
        .select_related("service")
        .order_by("service__sort_order", "service__name", "serial_number")
    )
    ids = [m.pk for m in meters]
    start = _latest(Reading.objects.filter(status__in=ACCEPTED, taken_on__lt=date_from), ids)
    end = _latest(Reading.objects.filter(status__in=ACCEPTED, taken_on__lte=date_to), ids)
    lines = []
    for meter in meters:
        first, last = start.get(meter.pk), end.get(meter.pk)
        if last is None:
            continue
        for position, zone in enumerate(meter.zone_list):
            lines.append(
                ReportLine(
                    meter=meter,
                    zone=str(zone.label),
                    start=first,
                    start_value=_nth(first, position),
                    end=last,
                    end_value=_nth(last, position),
                )
            )
    return lines


def _nth(reading: Reading | None, position: int) -> Decimal | None:
    if reading is None or len(reading.values) <= position:
        return None
    return reading.values[position]


def meters_missing_readings(period: dt.date, supplier: Supplier | None = None) -> QuerySet[Meter]:
    """Meters a reminder is for: in service, read by hand, of an open account, and with no
    reading this period from the customer, an inspector or billing (a rejected one counts as
    none)."""
    day = period
    has_reading = Reading.objects.filter(
        meter_id=OuterRef("pk"), period=period, source__in=READ_SOURCES
    ).exclude(status=Reading.Status.REJECTED)
    meters = Meter.objects.filter(
        in_service(day),
        is_automatic=False,
        account__automatic_readings=False,
        account__status=Account.Status.OPEN,
    ).filter(~Exists(has_reading))
    if supplier is not None:
        meters = meters.filter(supplier=supplier)
    return meters.order_by("supplier_id", "account_id", "pk")
