"""Reads that the readings pages, the API and reminders share.

Every account-scoped function takes an account id that the caller got from
``kabinet.billing.selectors.linked_account``: these functions do not check ownership.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import Account, AccountLink, Bill, Supplier
from kabinet.core.periods import period_of
from kabinet.core.timeline import Event, Line
from kabinet.metering.models import Meter, Reading
from kabinet.metering.windows import Windows, WindowState

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


# How an account's meters are listed everywhere: by service, then by serial number.
_DISPLAY_ORDER = ("service__sort_order", "service__name", "serial_number")


def _meters_in_service_of(account_id: int, today: dt.date) -> QuerySet[Meter]:
    return Meter.objects.filter(in_service(today), account_id=account_id).order_by(*_DISPLAY_ORDER)


def active_meters(account_id: int, today: dt.date) -> list[Meter]:
    """The account's meters in service, with their service and supplier (whose window and zone
    apply to the meter), in display order."""
    return list(_meters_in_service_of(account_id, today).select_related("service", "supplier"))


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
        return {}  # a submission's usual case: not even the queryset is built
    return _latest(Reading.objects.filter(status__in=ACCEPTED), meter_ids)


@dataclass
class MeterFacts:
    """What validating a submission needs to know about an account's meters."""

    history: dict[int, list[Reading]]  # accepted readings since the date asked for, oldest first
    last: dict[int, Reading]  # the last of them
    open: dict[int, Reading]  # the unanswered customer submission of the meter's period

    def complete(self, meter_ids: Sequence[int]) -> None:
        """Find the last accepted reading of the meters among ``meter_ids`` that had none in
        the history: not read for over a year (one more query, only then)."""
        self.last.update(last_accepted([m for m in meter_ids if m not in self.last]))


def open_submission(period: dt.date) -> Q:
    """A customer submission of ``period`` that billing has not answered yet: at most one per
    meter (the partial unique index ``OPEN_SUBMISSION``), replaced by a correction."""
    return Q(period=period, source__in=CUSTOMER_SOURCES, status=Reading.Status.RECEIVED)


def _by_period(periods: Mapping[int, dt.date], condition: Callable[[dt.date], Q]) -> Q:
    """``condition(period)`` for the meters of each period (meter id → period): meters of
    suppliers with different windows are in different periods, and one query reads them all."""
    meters: dict[dt.date, list[int]] = defaultdict(list)
    for meter_id, period in periods.items():
        meters[period].append(meter_id)
    conditions = [condition(period) & Q(meter_id__in=ids) for period, ids in meters.items()]
    return reduce(operator.or_, conditions) if conditions else Q(pk__in=[])


def open_submissions(periods: Mapping[int, dt.date]) -> dict[int, Reading]:
    """The open submission of each meter (meter id → its period) that has one."""
    if not periods:
        return {}
    readings = Reading.objects.filter(_by_period(periods, open_submission))
    return {reading.meter_id: reading for reading in readings}


def meters_with_facts(
    account_id: int, today: dt.date, *, since: dt.date, period_of: Callable[[Meter], dt.date]
) -> tuple[list[Meter], MeterFacts]:
    """``active_meters`` and, per meter, its accepted readings since ``since``, the last of
    them, and the unanswered customer submission of its period (``period_of(meter)``: the
    period of its supplier's window). The last accepted reading of a meter not read since
    ``since`` needs ``MeterFacts.complete``."""
    meters = active_meters(account_id, today)
    facts = MeterFacts(history=defaultdict(list), last={}, open={})
    if not meters:
        return meters, facts
    by_id = {meter.pk: meter for meter in meters}
    periods = {meter.pk: period_of(meter) for meter in meters}
    readings = Reading.objects.filter(
        Q(status__in=ACCEPTED, taken_on__gte=since) | _by_period(periods, open_submission),
        meter_id__in=by_id,
    ).order_by("meter_id", "taken_on", "submitted_at", "pk")
    for reading in readings:
        reading.meter = by_id[reading.meter_id]
        if reading.status == Reading.Status.RECEIVED:
            facts.open.setdefault(reading.meter_id, reading)
        else:
            facts.history[reading.meter_id].append(reading)
    facts.last.update({meter_id: items[-1] for meter_id, items in facts.history.items()})
    return meters, facts


def entered(periods: Mapping[int, dt.date]) -> dict[int, Reading]:
    """The latest customer submission per meter (meter id → its period) of its period,
    whatever billing said."""
    submitted = Reading.objects.filter(
        _by_period(periods, lambda period: Q(period=period, source__in=CUSTOMER_SOURCES))
    )
    return _latest(submitted, list(periods))


@dataclass
class MeterRow:
    """A line of the submission page: the meter, its supplier's window, its readings."""

    meter: Meter
    window: WindowState
    last: Reading | None
    entered: Reading | None

    @property
    def verification_overdue(self) -> bool:
        return self.meter.verification_overdue_on(self.window.today)

    @property
    def zones(self) -> list[tuple[int, str]]:
        """(position, label) of each zone: «День», «Ночь» …; a single-zone meter has one."""
        if self.meter.zones == 1:
            return [(1, str(_("Показание")))]
        return [(i, str(zone.label)) for i, zone in enumerate(self.meter.zone_list, start=1)]


def submission_rows(account_id: int, today: dt.date, windows: Windows) -> list[MeterRow]:
    """The account's meters in service, each with its supplier's window, its last accepted
    reading and what the customer entered for the window's period."""
    meters = active_meters(account_id, today)
    by_meter = {m.pk: windows.of(m.supplier) for m in meters}
    last = last_accepted(list(by_meter))
    current = entered({meter_id: window.period for meter_id, window in by_meter.items()})
    return [
        MeterRow(meter=m, window=by_meter[m.pk], last=last.get(m.pk), entered=current.get(m.pk))
        for m in meters
    ]


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
        for m in meters.order_by(*_DISPLAY_ORDER)
    ]


@dataclass
class ReportLine:
    """A line of the readings report: one meter zone."""

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


def meter_services(account_id: int) -> list[tuple[int, str]]:
    """The services the account's meters measure, for the report's «Вид» filter."""
    rows = (
        Meter.objects.filter(account_id=account_id)
        .values_list("service_id", "service__name")
        .order_by("service__sort_order", "service__name")
        .distinct()
    )
    return list(rows)


def readings_report(
    account_id: int, date_from: dt.date, date_to: dt.date, *, service_id: int | None = None
) -> list[ReportLine]:
    """Per meter zone: the accepted reading before ``date_from`` and the last one to ``date_to``;
    only the meters of ``service_id`` when given."""
    meters_of = Meter.objects.filter(account_id=account_id)
    if service_id is not None:
        meters_of = meters_of.filter(service_id=service_id)
    meters = list(meters_of.select_related("service").order_by(*_DISPLAY_ORDER))
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


def reading_events(link: AccountLink, start: dt.date, end: dt.date) -> list[Event]:
    """The readings of the account's meters taken on ``start``..``end`` (``reading_history``),
    each with the bill it was counted in; one query more for those bills."""
    history = reading_history(link.account_id, start, end)
    billed = {r.billed_period for item in history for r in item.readings if r.billed_period}
    bills = dict(
        Bill.objects.filter(account_id=link.account_id, period__in=billed).values_list(
            "period", "pk"
        )
    )
    events = []
    for item in history:
        meter = item.meter
        labels = [str(zone.label) for zone in meter.zone_list]
        unit = meter.service.unit
        for reading in item.readings:
            values = tuple(
                Line(
                    labels[i] if len(reading.values) > 1 else str(_("Показание")),
                    f"{meter.show(value)} {unit}".strip(),
                )
                for i, value in enumerate(reading.values[: len(labels)])
            )
            events.append(
                Event(
                    kind="reading",
                    day=reading.taken_on,
                    period=period_of(reading.taken_on),
                    title=_("%(service)s, счётчик № %(serial)s")
                    % {"service": meter.service.name, "serial": meter.serial_number},
                    ref=reading.pk,
                    text=str(reading.status_text),
                    lines=(
                        *values,
                        Line(str(_("Снял показания")), str(reading.get_source_display())),
                    ),
                    bill_id=bills.get(reading.billed_period) if reading.billed_period else None,
                )
            )
    return events


def read_meters(periods: Mapping[int, dt.date]) -> set[int]:
    """Of the meters of ``periods`` (meter id → its window's period), those that have a
    reading of that period from the customer, an inspector or billing (a rejected one counts
    as none), as ``meters_missing_readings`` counts them; one query."""
    if not periods:
        return set()
    return set(
        Reading.objects.filter(
            _by_period(periods, lambda period: Q(period=period)), source__in=READ_SOURCES
        )
        .exclude(status=Reading.Status.REJECTED)
        .values_list("meter_id", flat=True)
    )
