"""Card payments in the portal: start, follow the acquirer, refund, poll and reconcile.

A payment moves only forward — created → pending → succeeded | canceled, succeeded → refunded —
and only under a row lock (``select_for_update``), so the same notification delivered twenty
times at once, in any order, moves it once and sends one confirmation. Its status comes only
from the acquirer's answer to our own request (``provider.fetch``), never from a notification
body or a return URL.

The acquirer is always called outside a transaction: a slow bank must not hold row locks.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.billing import versions
from kabinet.billing.models import AccountLink, Supplier
from kabinet.billing.selectors import linked_account
from kabinet.core.audit import Action, record
from kabinet.core.errors import ServiceError
from kabinet.core.money import ZERO, allocate, format_rubles, parse_rubles, to_money
from kabinet.identity.backends import normalize_phone
from kabinet.messaging.services import DeliveryRefused, send_email, send_sms
from kabinet.payments.models import Payment, PaymentEvent, PaymentSplit, Refund, RefundSplit
from kabinet.payments.providers import (
    ProviderError,
    ProviderStatus,
    Receipt,
    ReceiptItem,
    StartRequest,
    get_provider,
)
from kabinet.payments.selectors import PayableLine, PaymentLines, line_key, payment_lines

logger = logging.getLogger(__name__)

Status = Payment.Status
FORWARD: dict[str, set[str]] = {
    Status.CREATED: {Status.PENDING, Status.SUCCEEDED, Status.CANCELED},
    Status.PENDING: {Status.SUCCEEDED, Status.CANCELED},
    Status.SUCCEEDED: {Status.REFUNDED},
}
# The audit row of a status the acquirer reports.
STATUS_ACTIONS: dict[str, Action] = {
    Status.PENDING: Action.PAYMENT_REGISTERED,
    Status.SUCCEEDED: Action.PAYMENT_SUCCEEDED,
    Status.CANCELED: Action.PAYMENT_CANCELED,
    Status.REFUNDED: Action.PAYMENT_REFUNDED,
}
# A payment pending this long is asked about (the notification may have been lost).
POLL_AFTER = dt.timedelta(minutes=10)
# A payment the acquirer never registered (it timed out on start) was never shown a bank page,
# so no money can have moved: after this long it is closed.
ABANDON_CREATED_AFTER = dt.timedelta(hours=1)
MAX_LINE_AMOUNT = Decimal("1000000.00")


def failure_text(code: str) -> str:
    """The customer's words for an acquirer's reason (YooKassa's cancellation reasons too)."""
    texts = {
        "card_declined": _("Банк отклонил операцию. Попробуйте другую карту."),
        "general_decline": _("Банк отклонил операцию. Попробуйте другую карту."),
        "call_issuer": _("Банк отклонил операцию. Обратитесь в банк, выпустивший карту."),
        "insufficient_funds": _("Недостаточно средств на карте."),
        "3d_secure_failed": _("Не пройдена проверка 3-D Secure."),
        "card_expired": _("Истёк срок действия карты."),
        "invalid_card_number": _("Неверный номер карты."),
        "invalid_csc": _("Неверный код CVC/CVV."),
        "canceled_by_user": _("Оплата отменена."),
        "expired_on_confirmation": _("Время на оплату истекло."),
        "start_failed": _("Не удалось начать оплату: банк не ответил."),
        "fraud_suspected": _("Платёж заблокирован банком из соображений безопасности."),
    }
    return texts.get(code, _("Платёж не прошёл."))


class PaymentError(ServiceError):
    """A payment or refund refused before money could move.

    Its codes: ``invalid``, ``provider_unavailable``, ``provider_error``, ``unavailable``,
    ``conflict``.
    """


@dataclass(frozen=True)
class PaymentInput:
    """What the customer submitted: amount per line key (as typed), receipt contact, consent."""

    amounts: Mapping[str, str | Decimal]
    receipt_channel: str = "email"  # "email" or "sms"
    receipt_email: str = ""
    receipt_phone: str = ""
    agreed: bool = False
    idempotency_key: str = ""


@dataclass
class CheckedPayment:
    amounts: dict[str, Decimal] = field(default_factory=dict)
    receipt_email: str = ""
    receipt_phone: str = ""

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)


def parse_amount(raw: str | Decimal) -> Decimal:
    """A line's amount as typed («1500», «1 500,50 ₽») or already read; empty is zero.

    RublesError (a ValueError) says what is wrong: a negative amount, more than two decimals,
    more than MAX_LINE_AMOUNT, not an amount at all.
    """
    text = f"{raw:f}" if isinstance(raw, Decimal) else raw.strip()
    if not text:
        return ZERO
    return parse_rubles(text, minimum=ZERO, maximum=MAX_LINE_AMOUNT)


def check_payment(lines: PaymentLines, data: PaymentInput) -> CheckedPayment:
    """Validate what the customer submitted against the account's payable lines.

    Raises PaymentError("invalid", …) with a message per field: a line key, ``receipt_email``,
    ``receipt_phone``, ``agree`` or ``total``. Returns the amounts of non-zero lines.
    """
    errors: dict[str, list[str]] = {}
    known = lines.by_key()
    if not known:
        raise PaymentError("unavailable", _("Онлайн-оплата по этому счёту недоступна."))
    checked = CheckedPayment()
    for key, raw in data.amounts.items():
        if key not in known:
            errors.setdefault(key, []).append(_("Такой строки нет в квитанции."))
            continue
        try:
            amount = parse_amount(raw if isinstance(raw, Decimal) else str(raw))
        except ValueError as problem:
            errors.setdefault(key, []).append(str(problem))
            continue
        if amount > 0:
            checked.amounts[key] = amount
    per_supplier: dict[int, Decimal] = {}
    for key, amount in checked.amounts.items():
        supplier = known[key].supplier
        per_supplier[supplier.pk] = per_supplier.get(supplier.pk, ZERO) + amount
    for key in checked.amounts:
        supplier = known[key].supplier
        if per_supplier[supplier.pk] < supplier.min_payment:
            errors.setdefault(key, []).append(
                _("Минимальная сумма платежа — не менее %(min)s ₽.")
                % {"min": format_rubles(supplier.min_payment, symbol=False)}
            )
    if not errors and checked.total <= 0:
        errors["total"] = [_("Укажите сумму к оплате.")]
    if data.receipt_channel == "sms":
        phone = normalize_phone(data.receipt_phone or "")
        if phone is None:
            errors["receipt_phone"] = [
                _("Укажите номер телефона для чека, например +7 916 123-45-67.")
            ]
        else:
            checked.receipt_phone = phone
    else:
        email = (data.receipt_email or "").strip()
        try:
            validate_email(email)
        except ValidationError:
            errors["receipt_email"] = [_("Укажите e-mail для чека, например name@example.ru.")]
        else:
            checked.receipt_email = email
    if not data.agreed:
        errors["agree"] = [_("Подтвердите согласие с правилами оплаты.")]
    if errors:
        raise PaymentError("invalid", _("Проверьте суммы и данные для чека."), errors)
    return checked


def _event(
    payment: Payment,
    kind: str,
    before: str,
    after: str,
    provider_status: str = "",
    note: str = "",
) -> None:
    PaymentEvent.objects.create(
        payment=payment,
        kind=kind,
        status_before=before,
        status_after=after,
        provider_status=provider_status[:32],
        note=note[:255],
    )


def _key(raw: str) -> uuid.UUID:
    if not raw:
        return uuid.uuid4()
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise PaymentError(
            "invalid",
            _("Обновите страницу и повторите оплату."),
            {"idempotency_key": [_("Неверный ключ.")]},
        ) from None


def start_payment(
    *, user: Any, account_id: int, data: PaymentInput, site_url: str, client_ip: str = ""
) -> Payment:
    """Create a card payment for the user's linked account and register it with the acquirer.

    ``data.idempotency_key`` is the key of the form the customer submitted (or of the API
    call): submitting it again (a double click, a retry after the bank timed out) continues the
    same payment and never creates a second one. Raises Http404 for an account not linked to
    the user, PaymentError for bad input (nothing is saved) or when the acquirer cannot start
    the payment (the payment stays «created» and a retry with the same key is safe).
    Returns the payment, «pending» with ``confirmation_url`` where the customer pays.
    """
    link: AccountLink = linked_account(user, account_id)
    key = _key(data.idempotency_key)
    existing = Payment.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _continue_existing(existing, user, account_id, site_url)
    lines = payment_lines(link.account)
    checked = check_payment(lines, data)
    known = lines.by_key()
    documents = _document_numbers(lines)
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                account=link.account,
                source=Payment.Source.PORTAL,
                channel=Payment.Channel.PORTAL_CARD,
                status=Status.CREATED,
                amount=checked.total,
                provider=settings.PAYMENT_PROVIDER,
                idempotency_key=key,
                receipt_email=checked.receipt_email,
                receipt_phone=checked.receipt_phone,
                user=user,
                lines=[
                    _snapshot(known[k], amount, documents) for k, amount in checked.amounts.items()
                ],
                bill_period=lines.bill.period if lines.bill is not None else None,
                updated_at=timezone.now(),
            )
            PaymentSplit.objects.bulk_create(
                PaymentSplit(
                    payment=payment,
                    supplier=known[k].supplier,
                    service=known[k].service,
                    amount=amount,
                    document_number=documents.get(known[k].supplier.pk, ""),
                )
                for k, amount in checked.amounts.items()
            )
            _event(payment, PaymentEvent.Kind.START, "", Status.CREATED)
            record(
                actor=user,
                action=Action.PAYMENT_STARTED,
                obj=payment,
                account_id=account_id,
                amount=f"{checked.total:.2f}",
                ip=client_ip,
            )
    except IntegrityError:
        # The same form submitted twice at once: the other request created the payment.
        existing = Payment.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return _continue_existing(existing, user, account_id, site_url)
    return _register(payment, site_url)


def _document_numbers(lines: PaymentLines) -> dict[int, str]:
    """The payment document id (ИПД) per recipient on the bill being paid: its section's
    number, else the bill's."""
    if lines.bill is None:
        return {}
    numbers = dict(lines.bill.sections.values_list("supplier_id", "number"))
    return {
        line.supplier.pk: numbers.get(line.supplier.pk) or lines.bill.number for line in lines.lines
    }


def _snapshot(line: PayableLine, amount: Decimal, documents: Mapping[int, str]) -> dict[str, Any]:
    """What the payment keeps of a bill line, with the receipt data of its supplier then.

    The refund receipt must repeat what the payment's receipt said, even after staff change the
    supplier's VAT or agent settings.
    """
    supplier = line.supplier
    return {
        **line.snapshot(amount),
        "document_number": documents.get(supplier.pk, ""),
        # A receipt names the supplier by its full name (tag 1225), not the short one.
        "supplier_full_name": supplier.name,
        "vat_code": supplier.receipt_vat_code,
        "agent_type": "" if supplier.receipt_is_merchant else supplier.receipt_agent_type,
        "supplier_phone": supplier.receipt_phone,
    }


def _continue_existing(payment: Payment, user: Any, account_id: int, site_url: str) -> Payment:
    if payment.user_id != user.pk or payment.account_id != account_id:
        raise PaymentError("conflict", _("Обновите страницу и повторите оплату."))
    return _register(payment, site_url)


def return_url(payment_id: int, site_url: str) -> str:
    return f"{site_url.rstrip('/')}{reverse('payments:return', args=[payment_id])}"


def receipt_items(
    payment: Payment,
    parts: Mapping[str, Decimal] | None = None,
    *,
    refunded_before: Mapping[str, Decimal] | None = None,
) -> tuple[ReceiptItem, ...]:
    """The 54-FZ receipt items of a payment, or of the ``parts`` (line key → amount) refunded.

    The part of a line up to what its bill charged is ``full_payment``; what was paid beyond
    it (an advance, or a line with nothing owed) is ``full_prepayment`` in an item of its own.
    A refund takes the advance back first, then the billed part, counting what earlier
    refunds of the payment already took back. Items add up to the payment (or the refund).
    """
    account = payment.account
    refunded_before = refunded_before or {}
    items = []
    fallback = _current_receipt_settings(payment.lines or [])
    for line in payment.lines or []:
        key = line["key"]
        paid = Decimal(line["amount"])
        billed = min(paid, max(Decimal(line.get("due") or "0"), ZERO))
        advance = paid - billed
        if parts is None:
            billed_part, advance_part = billed, advance
        else:
            amount = parts.get(key, ZERO)
            if amount <= 0:
                continue
            advance_left = max(advance - refunded_before.get(key, ZERO), ZERO)
            advance_part = min(amount, advance_left)
            billed_part = amount - advance_part
        settings_then = {**fallback.get(line["supplier_id"], {}), **line}
        name = line["service"] or _("Оплата услуг")
        for amount, mode in ((billed_part, "full_payment"), (advance_part, "full_prepayment")):
            if amount <= 0:
                continue
            items.append(
                ReceiptItem(
                    description=f"{name}, ЛС {account}",
                    amount=amount,
                    supplier_name=line.get("supplier_full_name") or line["supplier"],
                    supplier_inn=line["supplier_inn"],
                    supplier_phone=settings_then.get("supplier_phone", ""),
                    vat_code=int(settings_then.get("vat_code", 1)),
                    agent_type=settings_then.get("agent_type", ""),
                    payment_mode=mode,  # type: ignore[arg-type]
                )
            )
    return tuple(items)


def _current_receipt_settings(lines: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Receipt data of the suppliers of snapshot lines that predate it (one query, or none)."""
    missing = {line["supplier_id"] for line in lines if "vat_code" not in line}
    if not missing:
        return {}
    return {
        supplier.pk: {
            "vat_code": supplier.receipt_vat_code,
            "agent_type": "" if supplier.receipt_is_merchant else supplier.receipt_agent_type,
            "supplier_phone": supplier.receipt_phone,
        }
        for supplier in Supplier.objects.filter(pk__in=missing)
    }


def _start_request(payment: Payment, site_url: str) -> StartRequest:
    account = payment.account
    return StartRequest(
        payment_id=payment.pk,
        idempotency_key=str(payment.idempotency_key),
        amount=payment.amount,
        description=_("Оплата по лицевому счёту %(account)s") % {"account": account},
        return_url=return_url(payment.pk, site_url),
        receipt_email=payment.receipt_email,
        receipt_phone=payment.receipt_phone,
        items=receipt_items(payment),
    )


def _register(payment: Payment, site_url: str) -> Payment:
    """Ask the acquirer for the payment page of a «created» payment (idempotent by its key)."""
    if payment.status != Status.CREATED:
        return payment
    provider = get_provider(payment.provider)
    try:
        result = provider.start(_start_request(payment, site_url))
    except ProviderError as exc:
        logger.warning("Payment #%s: the acquirer did not start it: %s", payment.pk, exc)
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            _event(locked, PaymentEvent.Kind.ERROR, locked.status, locked.status, note=str(exc))
        if exc.permanent:
            _close_unstarted(payment.pk, "start_failed")
            raise PaymentError(
                "provider_error",
                _("Оплата картой сейчас недоступна. Попробуйте позже или оплатите по квитанции."),
            ) from None
        raise PaymentError(
            "provider_unavailable",
            _(
                "Банк не ответил. Нажмите «Оплатить» ещё раз: повторная попытка не приведёт "
                "к двойному списанию."
            ),
        ) from None
    with transaction.atomic():
        locked = Payment.objects.select_for_update().select_related("account").get(pk=payment.pk)
        if locked.status == Status.CREATED:
            locked.provider_payment_id = result.provider_id
            locked.confirmation_url = result.confirmation_url
            locked.status = Status.PENDING
            locked.updated_at = timezone.now()
            locked.save(
                update_fields=["provider_payment_id", "confirmation_url", "status", "updated_at"]
            )
            _event(locked, PaymentEvent.Kind.START, Status.CREATED, Status.PENDING, result.status)
    return locked


def _close_unstarted(payment_id: int, code: str) -> None:
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment_id)
        if locked.status != Status.CREATED:
            return
        locked.status = Status.CANCELED
        locked.failure_code = code
        locked.failure_message = failure_text(code)
        locked.updated_at = timezone.now()
        locked.save(update_fields=["status", "failure_code", "failure_message", "updated_at"])
        _event(locked, PaymentEvent.Kind.ERROR, Status.CREATED, Status.CANCELED, note=code)


def apply_provider_status(
    *, payment_id: int, status: ProviderStatus, kind: str, note: str = ""
) -> Payment:
    """Move a payment to what the acquirer says, forward only, under a row lock.

    Called with the acquirer's answer to our own ``fetch``. A status that would move the payment
    back (a late «pending» after «succeeded») changes nothing; a success for another amount
    than ours is refused and logged (never a credit the acquirer did not give). Every call
    writes a PaymentEvent; the move to «succeeded» queues one confirmation to the receipt
    contact in the same transaction, so it is sent once whatever the number of notifications.
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        before = payment.status
        target = status.status
        if payment.provider_payment_id and status.provider_id != payment.provider_payment_id:
            _event(
                payment, PaymentEvent.Kind.ERROR, before, before, status.raw_status, "id mismatch"
            )
            logger.error("Payment #%s: the acquirer answered for another payment", payment.pk)
            return payment
        if target == Status.SUCCEEDED and status.amount != payment.amount:
            _event(
                payment,
                PaymentEvent.Kind.ERROR,
                before,
                before,
                status.raw_status,
                f"amount mismatch: {status.amount} != {payment.amount}",
            )
            logger.error(
                "Payment #%s: the acquirer reports %s, ours is %s; not credited",
                payment.pk,
                status.amount,
                payment.amount,
            )
            return payment
        fields = ["status", "updated_at"]
        if target in FORWARD.get(before, set()):
            payment.status = target
            if target == Status.SUCCEEDED:
                payment.paid_at = status.paid_at or timezone.now()
                payment.failure_code = payment.failure_message = ""
                fields += ["paid_at", "failure_code", "failure_message"]
            elif target == Status.CANCELED:
                payment.failure_code = status.failure_code[:64] or "canceled"
                payment.failure_message = failure_text(status.failure_code)
                fields += ["failure_code", "failure_message"]
        refunded_before = payment.refunded_amount
        if payment.status == Status.SUCCEEDED and status.refunded_amount > payment.refunded_amount:
            # Our pending refund confirmed, or one made in the acquirer's own back office:
            # either way a refund record with its time, for the next export.
            _book_acquirer_refunds(payment, status.refunded_amount, status.raw_status)
            fields.append("refunded_amount")
        if payment.status != before or payment.refunded_amount != refunded_before:
            payment.updated_at = timezone.now()
            payment.save(update_fields=fields)
            versions.bump(account_ids=[payment.account_id])
            record(
                actor=None,
                actor_label=f"payments:{payment.provider}",
                # A partial refund in the acquirer's back office leaves the status as it was.
                action=(
                    STATUS_ACTIONS[payment.status]
                    if payment.status != before
                    else Action.PAYMENT_REFUNDED
                ),
                obj=payment,
                source=kind,
                status={"before": before, "after": payment.status},
            )
        _event(payment, kind, before, payment.status, status.raw_status, note)
        if before != Status.SUCCEEDED and payment.status == Status.SUCCEEDED:
            _send_confirmation(payment)
    return payment


def _send_confirmation(payment: Payment) -> None:
    context = {
        "amount": format_rubles(payment.amount, symbol=False),
        "account": str(payment.account),
        "lines": [
            {
                "title": line["service"] or line["supplier"],
                "supplier": line["supplier"],
                "amount": format_rubles(Decimal(line["amount"]), symbol=False),
            }
            for line in payment.lines or []
        ],
        "paid_at": timezone.localtime(payment.paid_at) if payment.paid_at else None,
        "payment_id": payment.pk,
    }
    if payment.receipt_email:
        send_email(to=payment.receipt_email, template="payment_succeeded", context=context)
    elif payment.receipt_phone:
        try:
            send_sms(to=payment.receipt_phone, template="payment_succeeded", context=context)
        except DeliveryRefused as refused:
            # The money is ours either way; the fiscal receipt comes from the acquirer.
            logger.warning("Payment #%s: confirmation SMS refused: %s", payment.pk, refused.reason)


def sync_payment(payment_id: int, *, kind: str, note: str = "") -> Payment:
    """Read the payment from its acquirer and apply what it says. Raises ProviderError."""
    payment = Payment.objects.only("pk", "provider", "provider_payment_id").get(pk=payment_id)
    status = get_provider(payment.provider).fetch(payment.provider_payment_id)
    return apply_provider_status(payment_id=payment.pk, status=status, kind=kind, note=note)


def receive_notification(*, provider_name: str, body: bytes) -> str:
    """Handle an acquirer's notification: find our payment, re-read it, apply.

    The body is trusted only to name a payment. Returns "applied", "unknown" (no such payment
    of ours: a safe no-op) or "ignored" (a body that names no payment). Raises ProviderError
    when the acquirer cannot be asked (the caller answers so the acquirer retries).
    """
    provider = get_provider(provider_name)
    notification = provider.parse_notification(body)
    if notification is None:
        return "ignored"
    payment = (
        Payment.objects.filter(provider=provider_name, provider_payment_id=notification.provider_id)
        .only("pk")
        .first()
    )
    if payment is None:
        logger.warning(
            "%s notification for unknown payment %r", provider_name, notification.provider_id
        )
        return "unknown"
    sync_payment(payment.pk, kind=PaymentEvent.Kind.NOTIFICATION, note=notification.event)
    return "applied"


def resume_payment(*, user: Any, payment_id: int, site_url: str) -> Payment:
    """Try again to register a «created» payment (the bank timed out), with the same key."""
    payment = Payment.objects.filter(pk=payment_id, user=user).first()
    if payment is None:
        from django.http import Http404

        raise Http404
    return _register(payment, site_url)


def poll_pending(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Ask the acquirer about payments pending over POLL_AFTER; close unstarted old ones."""
    now = now or timezone.now()
    counts = {"polled": 0, "moved": 0, "errors": 0, "abandoned": 0}
    pending = (
        Payment.objects.filter(
            source=Payment.Source.PORTAL,
            status=Status.PENDING,
            created_at__lt=now - POLL_AFTER,
        )
        .exclude(provider_payment_id="")
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
    for payment_id in list(pending):
        counts["polled"] += 1
        try:
            payment = sync_payment(payment_id, kind=PaymentEvent.Kind.POLL)
        except ProviderError as exc:
            counts["errors"] += 1
            logger.warning("Polling payment #%s failed: %s", payment_id, exc)
            continue
        if payment.status != Status.PENDING:
            counts["moved"] += 1
    unstarted = Payment.objects.filter(
        source=Payment.Source.PORTAL,
        status=Status.CREATED,
        provider_payment_id="",
        created_at__lt=now - ABANDON_CREATED_AFTER,
    ).values_list("pk", flat=True)[:1000]
    for payment_id in list(unstarted):
        _close_unstarted(payment_id, "start_failed")
        counts["abandoned"] += 1
    return counts


def reconcile_day(day: dt.date) -> dict[str, int]:
    """Compare the day's portal payments with their acquirer; fix what can move, log the rest.

    A payment the acquirer shows further along (a lost notification) is moved; one whose
    record disagrees in a way that cannot move forward (ours succeeded, theirs canceled) is
    logged as an error event for staff and never changed silently.
    """
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = start + dt.timedelta(days=1)
    counts = {"checked": 0, "fixed": 0, "mismatches": 0, "errors": 0}
    payments = (
        Payment.objects.filter(
            source=Payment.Source.PORTAL, created_at__gte=start, created_at__lt=end
        )
        .exclude(provider_payment_id="")
        .only("pk", "status", "provider", "provider_payment_id", "amount", "refunded_amount")
        .order_by("pk")
    )
    for payment in payments.iterator(chunk_size=500):
        counts["checked"] += 1
        try:
            status = get_provider(payment.provider).fetch(payment.provider_payment_id)
        except ProviderError as exc:
            counts["errors"] += 1
            logger.warning("Reconciling payment #%s failed: %s", payment.pk, exc)
            continue
        ours = payment.status
        theirs = status.status
        agrees = theirs == ours or (theirs == Status.SUCCEEDED and ours == Status.REFUNDED)
        # A refund made in the acquirer's back office leaves its status «succeeded»: only the
        # refunded amount tells, and billing must get that refund.
        if agrees and status.refunded_amount <= payment.refunded_amount:
            continue
        moved = apply_provider_status(
            payment_id=payment.pk, status=status, kind=PaymentEvent.Kind.RECONCILE
        )
        if agrees or moved.status == theirs:
            counts["fixed"] += 1
            continue
        counts["mismatches"] += 1
        logger.error(
            "Reconciliation: payment #%s is %s here and %s at %s",
            payment.pk,
            moved.status,
            theirs,
            payment.provider,
        )
        with transaction.atomic():
            _event(moved, PaymentEvent.Kind.ERROR, moved.status, moved.status, theirs, "mismatch")
    return counts


def refunded_parts(payment_id: int, *, before_refund_id: int | None = None) -> dict[str, Decimal]:
    """Line key → what refunds of the payment take back from it (pending ones count: their
    money is promised), optionally only refunds made before ``before_refund_id``."""
    taken = RefundSplit.objects.filter(
        refund__payment_id=payment_id,
        refund__status__in=(Refund.Status.PENDING, Refund.Status.SUCCEEDED),
    )
    if before_refund_id is not None:
        taken = taken.filter(refund_id__lt=before_refund_id)
    parts: dict[str, Decimal] = {}
    for supplier_id, service_id, amount in taken.values_list(
        "payment_split__supplier_id", "payment_split__service_id", "amount"
    ):
        key = line_key(supplier_id, service_id)
        parts[key] = parts.get(key, ZERO) + amount
    return parts


def _left_per_split(
    payment: Payment, *, statuses: tuple[str, ...]
) -> list[tuple[PaymentSplit, Decimal]]:
    """Each part of the payment with what refunds in ``statuses`` have not taken back yet."""
    splits = list(payment.splits.order_by("pk"))
    taken: dict[int, Decimal] = {}
    for split_id, amount in RefundSplit.objects.filter(
        refund__payment_id=payment.pk, refund__status__in=statuses
    ).values_list("payment_split_id", "amount"):
        taken[split_id] = taken.get(split_id, ZERO) + amount
    return [(split, split.amount - taken.get(split.pk, ZERO)) for split in splits]


def _new_refund(
    payment: Payment,
    amount: Decimal,
    left: list[tuple[PaymentSplit, Decimal]],
    **fields: Any,
) -> Refund:
    """A refund of ``amount`` split over the parts in proportion to what is left of each."""
    refund = Refund.objects.create(payment=payment, amount=amount, **fields)
    parts = allocate(amount, [rest for _split, rest in left])
    RefundSplit.objects.bulk_create(
        RefundSplit(refund=refund, payment_split=split, amount=part)
        for (split, _rest), part in zip(left, parts, strict=True)
        if part > 0
    )
    return refund


def refund_payment(
    *,
    payment_id: int,
    amount: Decimal | None = None,
    recipient_id: int | None = None,
    actor: Any = None,
) -> Payment:
    """Return money of a succeeded portal payment to the card (staff only).

    ``amount`` defaults to all that is left (of ``recipient_id``'s part when given). The refund
    is taken from the payment's lines (of that recipient) in proportion to what is left of each,
    exactly to the kopeck, and sent with a refund receipt of those lines. It is written
    «pending» before the acquirer is asked; asking again while it is pending (a repeated click,
    a retry after the bank did not answer) sends the same Idempotence-Key, so the money goes
    back once. Raises PaymentError: ``invalid`` (nothing to refund, a wrong amount),
    ``conflict`` (another refund is still pending), ``provider_unavailable`` (retry is safe),
    ``provider_error`` (the bank refused; nothing was refunded).
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != Status.SUCCEEDED or payment.source != Payment.Source.PORTAL:
            raise PaymentError("invalid", _("Вернуть можно только успешный платёж картой."))
        pending = payment.refunds.filter(status=Refund.Status.PENDING).first()
        if pending is not None:
            if amount is not None and amount != pending.amount:
                raise PaymentError(
                    "conflict",
                    _("Предыдущий возврат на %(amount)s ₽ ещё не завершён: повторите его.")
                    % {"amount": format_rubles(pending.amount, symbol=False)},
                    {"amount": [_("Предыдущий возврат ещё не завершён.")]},
                )
            refund = pending
        else:
            refund = _plan_refund(payment, amount, recipient_id, actor)
    return _send_refund(refund.pk)


def _plan_refund(
    payment: Payment, amount: Decimal | None, recipient_id: int | None, actor: Any
) -> Refund:
    left = _left_per_split(payment, statuses=(Refund.Status.PENDING, Refund.Status.SUCCEEDED))
    if recipient_id is not None:
        left = [
            (split, rest if split.supplier_id == recipient_id else ZERO) for split, rest in left
        ]
    remaining = sum((rest for _split, rest in left), ZERO)
    amount = remaining if amount is None else amount
    if remaining <= 0:
        raise PaymentError(
            "invalid",
            _("Возвращать больше нечего."),
            {"amount": [_("Эта часть платежа уже возвращена.")]},
        )
    if amount <= 0 or amount > remaining or amount != to_money(amount):
        raise PaymentError(
            "invalid",
            _("Сумма возврата больше оплаченной."),
            {
                "amount": [
                    _("Укажите сумму от 0,01 до %(max)s ₽.")
                    % {"max": format_rubles(remaining, symbol=False)}
                ]
            },
        )
    refund = _new_refund(
        payment, amount, left, origin=Refund.Origin.STAFF, status=Refund.Status.PENDING, actor=actor
    )
    refund.idempotency_key = f"{payment.idempotency_key}-refund-{refund.pk}"
    refund.save(update_fields=["idempotency_key"])
    record(
        actor=actor,
        action=Action.REFUND_ISSUED,
        obj=payment,
        amount=f"{amount:.2f}",
        refund_id=refund.pk,
        recipient_id=recipient_id,
    )
    return refund


def _send_refund(refund_id: int) -> Payment:
    refund = Refund.objects.select_related("payment__account").get(pk=refund_id)
    payment = refund.payment
    parts: dict[str, Decimal] = {}
    for supplier_id, service_id, amount in refund.splits.values_list(
        "payment_split__supplier_id", "payment_split__service_id", "amount"
    ):
        key = line_key(supplier_id, service_id)
        parts[key] = parts.get(key, ZERO) + amount
    receipt = Receipt(
        email=payment.receipt_email,
        phone=payment.receipt_phone,
        items=receipt_items(
            payment, parts, refunded_before=refunded_parts(payment.pk, before_refund_id=refund.pk)
        ),
    )
    try:
        result = get_provider(payment.provider).refund(
            payment.provider_payment_id, refund.amount, refund.idempotency_key, receipt
        )
    except ProviderError as exc:
        if exc.permanent:
            _close_refund(refund.pk, str(exc))
            raise PaymentError("provider_error", _("Банк отказал в возврате: %s") % exc) from None
        raise PaymentError(
            "provider_unavailable",
            _("Банк не ответил. Повторите возврат: деньги не вернутся дважды."),
        ) from None
    if result.status == "canceled":
        _close_refund(refund.pk, "canceled")
        raise PaymentError("provider_error", _("Банк отказал в возврате."))
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        current = Refund.objects.select_for_update().get(pk=refund.pk)
        if current.provider_refund_id != result.refund_id:
            current.provider_refund_id = result.refund_id[:64]
            current.save(update_fields=["provider_refund_id"])
        # Still pending at the bank: its notification (or the next attempt) books it.
        if result.status == "succeeded" and current.status == Refund.Status.PENDING:
            _book_refund(locked, current, provider_status=result.status)
    return locked


def _close_refund(refund_id: int, note: str) -> None:
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("payment").get(pk=refund_id)
        if refund.status != Refund.Status.PENDING:
            return
        refund.status = Refund.Status.CANCELED
        refund.save(update_fields=["status"])
        payment = refund.payment
        _event(payment, PaymentEvent.Kind.ERROR, payment.status, payment.status, note=note)


def _book_refund(payment: Payment, refund: Refund, *, provider_status: str = "") -> None:
    """Count a refund the bank made: it gets its time, the payment its refunded amount.

    Call under the payment's row lock with the refund «pending».
    """
    now = timezone.now()
    before = payment.status
    if payment.refunded_amount + refund.amount > payment.amount:
        # The acquirer already reported this money (a back-office refund counted first).
        refund.status = Refund.Status.CANCELED
        refund.save(update_fields=["status"])
        _event(payment, PaymentEvent.Kind.ERROR, before, before, provider_status, "refund counted")
        logger.error("Payment #%s: refund #%s exceeds the payment", payment.pk, refund.pk)
        return
    refund.status = Refund.Status.SUCCEEDED
    refund.refunded_at = now
    refund.save(update_fields=["status", "refunded_at"])
    payment.refunded_amount += refund.amount
    if payment.refunded_amount >= payment.amount:
        payment.status = Status.REFUNDED
    payment.updated_at = now
    payment.save(update_fields=["refunded_amount", "status", "updated_at"])
    versions.bump(account_ids=[payment.account_id])
    _event(
        payment,
        PaymentEvent.Kind.REFUND,
        before,
        payment.status,
        provider_status,
        f"{refund.amount:.2f}",
    )


def _book_acquirer_refunds(payment: Payment, refunded: Decimal, provider_status: str) -> None:
    """The acquirer reports ``refunded`` in all: book our pending refunds it covers, and the
    rest as a refund made in its own back office (split over the lines in proportion).

    Call under the payment's row lock.
    """
    delta = min(refunded, payment.amount) - payment.refunded_amount
    for refund in (
        payment.refunds.select_for_update().filter(status=Refund.Status.PENDING).order_by("pk")
    ):
        if refund.amount > delta:
            break
        _book_refund(payment, refund, provider_status=provider_status)
        delta -= refund.amount
    if delta <= 0:
        return
    left = _left_per_split(payment, statuses=(Refund.Status.SUCCEEDED,))
    refund = _new_refund(
        payment, delta, left, origin=Refund.Origin.ACQUIRER, status=Refund.Status.PENDING
    )
    _book_refund(payment, refund, provider_status=provider_status)
