"""Customer API for «Все события» and «Статистика» of an account: the same timeline and
statistics as the pages; every id goes through ``linked_account``, so someone else's account
answers 404 like a missing one."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import TypedDict

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kabinet.api.auth import request_user
from kabinet.api.errors import ApiError, period_param
from kabinet.api.schemas import Error
from kabinet.billing.models import AccountLink
from kabinet.billing.selectors import linked_account
from kabinet.billing.statistics import (
    MonthSeries,
    Summary,
    account_statistics,
    statistics_years,
)
from kabinet.core import timeline
from kabinet.core.periods import add_months, format_period, period_of

router = Router(tags=["history"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


class EventLineOut(Schema):
    label: str
    value: str


class EventOut(Schema):
    kind: str = Field(description="reading, bill, payment, request, appeal, document")
    kind_label: str
    id: int = Field(description="Id показания, квитанции, платежа, заявки, обращения, документа")
    day: dt.date = Field(description="День события в часовом поясе поставщика")
    period: str = Field(description="Месяц, в котором событие показано (ГГГГ-ММ)")
    title: str
    text: str = Field(description="Состояние: «Учтено в счёте за …», статус платежа, заявки …")
    amount: Decimal | None = Field(description="Сумма квитанции к оплате или платежа, ₽")
    lines: list[EventLineOut] = Field(description="Общая информация")
    parts: list[EventLineOut] = Field(description="Детализация по поставщикам")
    bill_id: int | None = Field(description="Квитанция события (для показаний — где они учтены)")
    bill_pdf: str | None = Field(description="Адрес PDF этой квитанции")


class EventMonthOut(Schema):
    period: str
    events: list[EventOut]


class EventsOut(Schema):
    date_from: str
    date_to: str
    kinds: list[str] = Field(description="Все виды событий, которые можно запросить")
    months: list[EventMonthOut] = Field(description="Месяцы периода, новые первыми, и пустые тоже")


def _month(text: str, field: str, default: dt.date) -> dt.date:
    return period_param(text, field) or default


def _today(link: AccountLink) -> dt.date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(link.account.supplier.time_zone))


@router.get(
    "/{account_id}/events",
    response={200: EventsOut, **ERRORS},
    summary="Все события: показания, квитанции, платежи, заявки, обращения, документы",
)
def account_events(
    request: HttpRequest,
    account_id: int,
    date_from: str = "",
    date_to: str = "",
    kind: str = Query("", description="Виды через запятую (reading,bill,payment …); все — пусто"),
) -> EventsOut:
    """The months ``date_from``..``date_to`` (ГГГГ-ММ; by default the last 3 months, this one
    counted), every month listed, newest first."""
    link = linked_account(request_user(request), account_id)
    current = period_of(_today(link))
    last = _month(date_to, "date_to", current)
    first = _month(date_from, "date_from", add_months(last, -2))
    if first > last:
        raise ApiError("invalid_range", _("Конец периода раньше его начала."), field="date_to")
    if (last.year - first.year) * 12 + last.month - first.month >= timeline.MAX_MONTHS:
        message = _("Выберите не больше %(months)d месяцев.") % {"months": timeline.MAX_MONTHS}
        raise ApiError("too_long", message, field="date_from")
    kinds = timeline.kinds()
    only = [k.strip() for k in kind.split(",") if k.strip()] or None
    unknown = [k for k in only or [] if k not in kinds]
    if unknown:
        message = _("Неизвестный вид событий: %(kinds)s. Можно: %(known)s.") % {
            "kinds": ", ".join(unknown),
            "known": ", ".join(kinds),
        }
        raise ApiError("invalid_kind", message, field="kind")
    months = timeline.timeline(link, first, last, only)
    return EventsOut(
        date_from=format_period(first),
        date_to=format_period(last),
        kinds=kinds,
        months=[
            EventMonthOut(
                period=format_period(month.period),
                events=[_event_out(link, event) for event in month.events],
            )
            for month in months
        ],
    )


def _lines(lines: tuple[timeline.Line, ...]) -> list[EventLineOut]:
    return [EventLineOut(label=line.label, value=line.value) for line in lines]


def _event_out(link: AccountLink, event: timeline.Event) -> EventOut:
    pdf = None
    if event.bill_id is not None:
        pdf = reverse("documents:bill_pdf", args=[link.account_id, event.bill_id])
    return EventOut(
        kind=event.kind,
        kind_label=event.kind_label,
        id=event.ref,
        day=event.day,
        period=format_period(event.period),
        title=event.title,
        text=event.text,
        amount=event.amount,
        lines=_lines(event.lines),
        parts=_lines(event.parts),
        bill_id=event.bill_id,
        bill_pdf=pdf,
    )


class SummaryOut(Schema):
    highest: str = Field(description="Месяц наибольшего значения (ГГГГ-ММ; из равных — ранний)")
    highest_value: Decimal
    lowest: str
    lowest_value: Decimal
    total: Decimal
    average: Decimal = Field(description="Среднее за месяцы, по которым есть данные")
    months: int = Field(description="Месяцев с данными")


class MonthValueOut(Schema):
    period: str
    value: Decimal | None = Field(description="Значение месяца; null — нет данных (не ноль)")
    last_year: Decimal | None = Field(description="Тот же месяц прошлого года")


class SeriesOut(Schema):
    months: list[MonthValueOut] = Field(description="12 месяцев года")
    summary: SummaryOut | None
    last_year_summary: SummaryOut | None


class ZoneOut(SeriesOut):
    zone: str = Field(description="day, night, peak, semipeak; пусто — однотарифная")
    title: str


class ServiceStatisticsOut(SeriesOut):
    service: str
    service_code: str
    unit: str
    zones: list[ZoneOut] = Field(description="По зонам многотарифного прибора; иначе пусто")


class StatisticsOut(Schema):
    year: int
    years: list[int] = Field(description="Годы, за которые есть начисления, и текущий")
    services: list[ServiceStatisticsOut] = Field(description="Потребление по услугам")
    charges: SeriesOut = Field(description="Начислено по месяцам, ₽")


def _summary(summary: Summary | None) -> SummaryOut | None:
    if summary is None:
        return None
    return SummaryOut(
        highest=format_period(summary.highest),
        highest_value=summary.highest_value,
        lowest=format_period(summary.lowest),
        lowest_value=summary.lowest_value,
        total=summary.total,
        average=summary.average,
        months=summary.months,
    )


class _SeriesFields(TypedDict):
    months: list[MonthValueOut]
    summary: SummaryOut | None
    last_year_summary: SummaryOut | None


def _series(series: MonthSeries) -> _SeriesFields:
    return {
        "months": [
            MonthValueOut(period=format_period(m.period), value=m.value, last_year=m.last_year)
            for m in series.months
        ],
        "summary": _summary(series.summary),
        "last_year_summary": _summary(series.last_year_summary),
    }


@router.get(
    "/{account_id}/statistics",
    response={200: StatisticsOut, **ERRORS},
    summary="Статистика: потребление по услугам и зонам, начисления по месяцам",
)
def account_statistics_series(
    request: HttpRequest, account_id: int, year: int | None = None
) -> StatisticsOut:
    """The months of ``year`` (the current one by default) beside the same months of the year
    before."""
    link = linked_account(request_user(request), account_id)
    this_year = _today(link).year
    years = statistics_years(link.account_id, this_year)
    if year is None:
        year = this_year
    elif year not in years:
        message = _("Выберите год из доступных: %(years)s.") % {
            "years": ", ".join(str(y) for y in years)
        }
        raise ApiError("invalid_year", message, field="year")
    data = account_statistics(link.account_id, year)
    return StatisticsOut(
        year=year,
        years=years,
        services=[
            ServiceStatisticsOut(
                service=item.service.name,
                service_code=item.service.code,
                unit=item.unit,
                zones=[
                    ZoneOut(zone=z.zone, title=z.title, **_series(z.series)) for z in item.zones
                ],
                **_series(item.total),
            )
            for item in data.services
        ],
        charges=SeriesOut(**_series(data.charges)),
    )
