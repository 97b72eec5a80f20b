"""Customer API for card payments: payable lines, start, status, history.

The same services and selectors as the pages. Every account and payment id is checked against
the caller's links (someone else's answers 404). A payment's status comes from our records only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from kabinet.api.auth import request_user
from kabinet.api.errors import ApiError
from kabinet.api.schemas import Error, out
from kabinet.billing.selectors import linked_account
from kabinet.core.http import client_ip
from kabinet.payments import selectors, services
from kabinet.payments.forms import moments
from kabinet.payments.models import Payment

account_router = Router(tags=["payments"])
router = Router(tags=["payments"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error, 429: Error, 503: Error}


class LineOut(Schema):
    key: str = Field(description="Ключ строки для суммы в запросе оплаты")
    supplier_id: int
    supplier: str
    supplier_inn: str
    service: str | None
    is_penalty: bool
    due: Decimal = Field(
        description="К оплате: по последней квитанции за вычетом оплат в личном кабинете "
        "после неё (не меньше нуля)"
    )
    billed: Decimal = Field(description="К оплате по последней квитанции")
    pending: Decimal = Field(description="Оплачено в личном кабинете после последней квитанции")
    recommended: Decimal = Field(description="Рекомендуемая сумма за месяц (аванс)")
    min_payment: Decimal = Field(description="Минимальная сумма платежа получателю")
    commission: str = Field(
        "", description="Комиссия банка за приём платежа по договору получателя (текст)"
    )


class LinesOut(Schema):
    account_id: int
    period: str | None
    due: Decimal
    pending: Decimal = Field(
        description="Все оплаты в личном кабинете после последней квитанции (по всем строкам)"
    )
    recommended: Decimal
    lines: list[LineOut]


class AmountIn(Schema):
    line: str
    # A string or an exact number (JSON numbers are read as Decimal, see api.py), so "10.123"
    # and -5 reach the server's own checks and get their messages.
    amount: str | int | Decimal


class StartIn(Schema):
    amounts: list[AmountIn]
    receipt_email: str = ""
    receipt_phone: str = ""
    agree: bool = Field(False, description="«Я согласен с правилами оплаты»")
    idempotency_key: str = Field(
        "", description="UUID; повтор запроса с тем же ключом не создаёт второй платёж"
    )


class SplitOut(Schema):
    supplier_id: int
    supplier: str
    service: str | None
    amount: Decimal


class PaymentOut(Schema):
    id: int
    account_id: int
    amount: Decimal
    status: str
    status_text: str
    source: str
    channel: str
    channel_text: str
    created_at: dt.datetime
    paid_at: dt.datetime | None
    failure_message: str
    splits: list[SplitOut]
    document_url: str | None = Field(
        None, description="Информационная квитанция об оплате для печати (только оплаченные)"
    )


class StartOut(PaymentOut):
    confirmation_url: str = Field(description="Куда перенаправить клиента для оплаты")


def _payment_out(payment: Payment) -> PaymentOut:
    return out(
        PaymentOut,
        payment,
        status_text=str(payment.get_status_display()),
        channel_text=str(payment.get_channel_display()),
        document_url=(
            reverse("payments:document", args=[payment.pk])
            if payment.status in selectors.DOCUMENTED
            else None
        ),
        splits=[
            out(
                SplitOut,
                split,
                supplier=split.supplier.short_name,
                service=split.service.name if split.service else None,
            )
            for split in payment.splits.all()
        ],
    )


def _date(text: str, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        message = _("Укажите дату в виде ГГГГ-ММ-ДД, например 2026-10-01.")
        raise ApiError("invalid_date", message, field=name) from None


def _history(
    request: HttpRequest, account_id: int | None, date_from: str, date_to: str
) -> list[PaymentOut]:
    start, end = _date(date_from, "date_from"), _date(date_to, "date_to")
    today = timezone.localdate()
    since, until = moments(start or dt.date(1900, 1, 1), end or today + dt.timedelta(days=1))
    payments = selectors.payment_history(
        request_user(request), account_id=account_id, since=since, until=until
    )
    return [_payment_out(payment) for payment in payments]


@account_router.get(
    "/{account_id}/payment-lines",
    response={200: LinesOut, **ERRORS},
    summary="Что можно оплатить: строки по получателям и услугам с суммой к оплате",
)
def payment_lines(request: HttpRequest, account_id: int) -> LinesOut:
    link = linked_account(request_user(request), account_id)
    lines = selectors.payment_lines(link.account)
    return LinesOut(
        account_id=account_id,
        period=f"{lines.bill.period:%Y-%m}" if lines.bill else None,
        due=lines.due,
        pending=lines.pending.total,
        recommended=lines.recommended,
        lines=[
            LineOut(
                key=line.key,
                supplier_id=line.supplier.pk,
                supplier=line.supplier.short_name,
                supplier_inn=line.supplier.inn,
                service=line.service.name if line.service else None,
                is_penalty=line.is_penalty,
                due=line.due,
                billed=line.billed,
                pending=line.pending,
                recommended=line.recommended,
                min_payment=line.supplier.min_payment,
                commission=line.supplier.payment_commission,
            )
            for line in lines.lines
        ],
    )


@account_router.post(
    "/{account_id}/payments",
    response={201: StartOut, **ERRORS},
    summary="Начать оплату картой: вернёт страницу банка (confirmation_url)",
)
def start_payment(request: HttpRequest, account_id: int, payload: StartIn) -> Status[StartOut]:
    user = request_user(request)
    amounts: dict[str, str] = {}
    for item in payload.amounts:
        if isinstance(item.amount, bool):
            raise ApiError("invalid", _("Проверьте суммы."), {item.line: [_("Не число.")]})
        amounts[item.line] = str(item.amount)
    data = services.PaymentInput(
        amounts=amounts,
        receipt_channel="email" if payload.receipt_email or not payload.receipt_phone else "sms",
        receipt_email=payload.receipt_email,
        receipt_phone=payload.receipt_phone,
        agreed=payload.agree,
        idempotency_key=payload.idempotency_key,
    )
    payment = services.start_payment(
        user=user,
        account_id=account_id,
        data=data,
        site_url=request.build_absolute_uri("/").rstrip("/"),
        client_ip=client_ip(request),
    )
    payment = selectors.user_payment(user, payment.pk)
    url = payment.confirmation_url
    if url.startswith("/"):
        url = request.build_absolute_uri(url)
    return Status(201, StartOut(**_payment_out(payment).dict(), confirmation_url=url))


@account_router.get(
    "/{account_id}/payments",
    response={200: list[PaymentOut], **ERRORS},
    summary="Платежи лицевого счёта (период: date_from — date_to, ГГГГ-ММ-ДД)",
)
def account_payments(
    request: HttpRequest, account_id: int, date_from: str = "", date_to: str = ""
) -> list[PaymentOut]:
    return _history(request, account_id, date_from, date_to)


@router.get(
    "",
    response={200: list[PaymentOut], **ERRORS},
    summary="Полная история платежей по всем лицевым счетам",
)
def all_payments(request: HttpRequest, date_from: str = "", date_to: str = "") -> list[PaymentOut]:
    return _history(request, None, date_from, date_to)


@router.get("/{payment_id}", response={200: PaymentOut, **ERRORS}, summary="Статус платежа")
def payment_status(request: HttpRequest, payment_id: int) -> PaymentOut:
    return _payment_out(selectors.user_payment(request_user(request), payment_id))
