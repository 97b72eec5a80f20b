"""Customer API: an account's meters with the readings window, submitting readings, history.

Validation is the page's (``metering.services``); every problem comes back in ``fields`` keyed
``meters.<meter id>.value_<zone>`` (a zone), ``meters.<meter id>`` (a meter) or ``photo``.
Each meter has its own supplier's window (``meters[].window``); the top-level ``window`` is that
of the account's meters when they share one supplier, as they usually do.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

from kabinet.api.auth import request_user
from kabinet.api.errors import ApiError, period_param
from kabinet.api.schemas import Error, out
from kabinet.billing.selectors import linked_account
from kabinet.core.periods import add_months, format_period
from kabinet.metering import selectors, services, windows
from kabinet.metering.models import Meter, Reading
from kabinet.metering.windows import Windows, WindowState, supplier_zone

router = Router(tags=["readings"])

ERRORS = {400: Error, 401: Error, 404: Error}


class WindowOut(Schema):
    is_open: bool = Field(description="Приём показаний открыт сейчас")
    accepts: bool = Field(description="Показания принимаются сейчас (вне окна — если не строго)")
    period: str = Field(description="Период, за который будут приняты показания, ГГГГ-ММ")
    opens_at: dt.datetime
    closes_at: dt.datetime
    days_until_open: int
    first_day: int
    last_day: int
    close_time: dt.time | None
    time_zone: str = Field(description="Часовой пояс поставщика (IANA), в нём заданы даты окна")
    zone_note: str = Field(
        description="«по времени Екатеринбурга», если часы поставщика расходятся с часами сайта; "
        "иначе пусто"
    )
    message: str = Field(
        description="Что показать клиенту о приёме: закрыт (и когда откроется), открыт до …"
    )


class ReadingOut(Schema):
    id: int
    meter_id: int
    period: str
    taken_on: dt.date
    values: list[Decimal]
    source: str
    status: str = Field(description="received / accepted / rejected / billed")
    status_text: str = Field(description="Статус для клиента: «Отклонено: причина» …")
    reject_reason: str
    billed_period: str | None
    has_photo: bool
    verification_overdue: bool = Field(
        description="Передано, когда срок поверки прибора уже истёк (с отметкой для биллинга)"
    )
    submitted_at: dt.datetime


class ReadingsMeterOut(Schema):
    id: int
    supplier: str = Field(description="Поставщик, которому передаются показания прибора")
    service: str
    unit: str
    serial_number: str
    zones: list[str] = Field(description="Подписи зон: «День», «Ночь» …")
    integer_digits: int
    fraction_digits: int
    verification_due: dt.date | None
    verification_overdue: bool = Field(
        description="Срок поверки истёк (в часовом поясе поставщика)"
    )
    overdue_message: str = Field(
        description="Что сказать клиенту до передачи: показания не примут до поверки или примут "
        "с отметкой; пусто, если срок не истёк"
    )
    location: str
    is_automatic: bool
    window: WindowOut = Field(description="Окно приёма показаний поставщика этого прибора")
    last_accepted: ReadingOut | None
    entered: ReadingOut | None = Field(description="Показание, переданное в этом периоде")


class MetersOut(Schema):
    window: WindowOut = Field(
        description="Окно приёма показаний приборов счёта, если у них один поставщик (обычно так); "
        "иначе — поставщика лицевого счёта. У каждого прибора — окно его поставщика"
    )
    automatic_readings: bool
    meters: list[ReadingsMeterOut]


class MeterValuesIn(Schema):
    meter_id: int
    values: list[str] = Field(
        description="Показания по зонам, строками: «12345», «123,45»", max_length=3
    )


class SubmissionIn(Schema):
    readings: list[MeterValuesIn] = Field(max_length=50)
    confirm_rollover: bool = Field(
        False, description="Клиент подтвердил переход счётчика через ноль"
    )
    confirm_jump: bool = Field(False, description="Клиент подтвердил большой расход")


class SubmissionOut(Schema):
    period: str = Field(
        description="Период показаний, ГГГГ-ММ; у приборов разных поставщиков периоды могут "
        "различаться — у каждого показания свой period"
    )
    replaced: int
    readings: list[ReadingOut]


def reading_out(reading: Reading) -> ReadingOut:
    return out(
        ReadingOut,
        reading,
        period=format_period(reading.period),
        billed_period=format_period(reading.billed_period) if reading.billed_period else None,
        has_photo=bool(reading.photo),
    )


def window_out(window: WindowState) -> WindowOut:
    return out(
        WindowOut,
        window,
        period=format_period(window.period),
        time_zone=window.zone.key,
        zone_note=windows.zone_note(window.zone, window.closes_at),
        message=windows.status_message(window),
    )


def _zone_labels(meter: Meter) -> list[str]:
    return [str(z.label) for z in meter.zone_list]


@router.get(
    "/{account_id}/meters",
    response={200: MetersOut, **ERRORS},
    summary="Приборы учёта лицевого счёта и окно приёма показаний",
)
def list_meters(request: HttpRequest, account_id: int) -> MetersOut:
    link = linked_account(request_user(request), account_id)
    open_windows = Windows()
    account_window = open_windows.of(link.account.supplier)
    rows = selectors.submission_rows(link.account_id, account_window.today, open_windows)
    suppliers = {row.meter.supplier_id for row in rows}
    window = rows[0].window if len(suppliers) == 1 else account_window
    return MetersOut(
        window=window_out(window),
        automatic_readings=link.account.automatic_readings,
        meters=[
            ReadingsMeterOut(
                id=row.meter.pk,
                supplier=row.meter.supplier.short_name,
                service=row.meter.service.name,
                unit=row.meter.service.unit,
                serial_number=row.meter.serial_number,
                zones=_zone_labels(row.meter),
                integer_digits=row.meter.integer_digits,
                fraction_digits=row.meter.fraction_digits,
                verification_due=row.meter.verification_due,
                verification_overdue=row.verification_overdue,
                overdue_message=_overdue_message(row),
                location=row.meter.location,
                is_automatic=row.meter.is_automatic,
                window=window_out(row.window),
                last_accepted=reading_out(row.last) if row.last else None,
                entered=reading_out(row.entered) if row.entered else None,
            )
            for row in rows
        ],
    )


def _overdue_message(row: selectors.MeterRow) -> str:
    if not row.verification_overdue:
        return ""
    if services.refuses_overdue(row.meter, row.window):
        return services.overdue_refusal(row.meter)
    return services.overdue_warning(row.meter)


def _submit(
    request: HttpRequest, account_id: int, payload: SubmissionIn, photo: UploadedFile | None
) -> Status[SubmissionOut]:
    link = linked_account(request_user(request), account_id)
    values: dict[int, list[str]] = {}
    for item in payload.readings:
        if item.meter_id in values:
            message = _("Прибор учёта указан дважды.")
            raise ApiError("duplicate_meter", message, {f"meters.{item.meter_id}": [message]})
        values[item.meter_id] = item.values
    submission = services.submit_readings(
        user=request_user(request),
        link=link,
        values=values,
        confirm_rollover=payload.confirm_rollover,
        confirm_jump=payload.confirm_jump,
        photo=photo,
    )
    return Status(
        201,
        SubmissionOut(
            period=format_period(submission.period),
            replaced=submission.replaced,
            readings=[reading_out(r) for r in submission.readings],
        ),
    )


@router.post(
    "/{account_id}/readings",
    response={201: SubmissionOut, **ERRORS},
    summary="Передать показания (JSON); повторная передача в периоде заменяет предыдущую",
)
def submit_readings(
    request: HttpRequest, account_id: int, payload: SubmissionIn
) -> Status[SubmissionOut]:
    return _submit(request, account_id, payload, None)


@router.post(
    "/{account_id}/readings/with-photo",
    response={201: SubmissionOut, **ERRORS, 422: Error},
    summary="Передать показания с фото (multipart: data — JSON как в /readings, photo — файл)",
)
def submit_readings_with_photo(
    request: HttpRequest,
    account_id: int,
    data: Form[str],
    photo: File[UploadedFile],
) -> Status[SubmissionOut]:
    linked_account(request_user(request), account_id)
    try:
        payload = SubmissionIn.model_validate_json(data)
    except PydanticValidationError:
        message = _("Поле data должно содержать JSON с показаниями, как в /readings.")
        raise ApiError("validation_error", message, field="data") from None
    return _submit(request, account_id, payload, photo)


@router.get(
    "/{account_id}/readings",
    response={200: list[ReadingOut], **ERRORS},
    summary="История показаний (по умолчанию за 3 месяца; период: с — по, ГГГГ-ММ)",
)
def reading_history(
    request: HttpRequest,
    account_id: int,
    period_from: str = "",
    period_to: str = "",
    meter_id: int | None = None,
) -> list[ReadingOut]:
    link = linked_account(request_user(request), account_id)
    today = windows.now().astimezone(supplier_zone(link.account.supplier)).date()
    end = period_param(period_to, "period_to") or today.replace(day=1)
    start = period_param(period_from, "period_from") or add_months(end, -2)
    last_day = add_months(end, 1) - dt.timedelta(days=1)
    history = selectors.reading_history(link.account_id, start, last_day, meter_id)
    return [reading_out(r) for item in history for r in item.readings]
