"""Reads the payment pages and the API share: what an account can pay, and payment history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.db.models import Count, Prefetch
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from kabinet.billing.models import Account, AccountLink, Bill, Charge, Service, Supplier
from kabinet.billing.pending import NOTHING, Pending, cutoff_of, pending_for
from kabinet.billing.selectors import linked_account, linked_accounts
from kabinet.core.money import ZERO, format_rubles, from_kopecks, kopecks_sum, to_money
from kabinet.core.periods import period_of
from kabinet.core.timeline import Event, Line, day_bounds, local_day
from kabinet.payments.models import Payment, PaymentSplit

# The recommended advance per month: the average monthly charge over this many months.
RECOMMENDATION_MONTHS = 12


@dataclass
class PayableLine:
    """One line of the payment page: a recipient supplier's service with what is due.

    ``due`` is what the page offers: the bill's amount (``billed``) less what portal payments
    not yet in the bill paid for this line (``pending``), never below zero.
    """

    key: str
    supplier: Supplier
    service: Service | None
    due: Decimal
    recommended: Decimal
    is_penalty: bool
    billed: Decimal = ZERO
    pending: Decimal = ZERO

    @property
    def title(self) -> str:
        return self.service.name if self.service else str(self.supplier)

    def snapshot(self, amount: Decimal) -> dict[str, Any]:
        """What a payment keeps of this line: a snapshot of the bill lines it paid."""
        return {
            "key": self.key,
            "supplier_id": self.supplier.pk,
            "supplier": self.supplier.short_name,
            "supplier_inn": self.supplier.inn,
            "service_id": self.service.pk if self.service else None,
            "service": self.service.name if self.service else "",
            "is_penalty": self.is_penalty,
            "due": f"{self.due:.2f}",
            "amount": f"{amount:.2f}",
        }


@dataclass
class SupplierLines:
    supplier: Supplier
    lines: list[PayableLine] = field(default_factory=list)

    @property
    def due(self) -> Decimal:
        return sum((line.due for line in self.lines), ZERO)

    @property
    def debt(self) -> Decimal:
        return sum((line.due for line in self.lines if not line.is_penalty), ZERO)

    @property
    def penalties(self) -> Decimal:
        return sum((line.due for line in self.lines if line.is_penalty), ZERO)


@dataclass
class PaymentLines:
    account: Account
    bill: Bill | None
    suppliers: list[SupplierLines]
    pending: Pending = NOTHING

    @property
    def lines(self) -> list[PayableLine]:
        return [line for group in self.suppliers for line in group.lines]

    def by_key(self) -> dict[str, PayableLine]:
        return {line.key: line for line in self.lines}

    @property
    def due(self) -> Decimal:
        return sum((group.due for group in self.suppliers), ZERO)

    @property
    def recommended(self) -> Decimal:
        return sum((line.recommended for line in self.lines if not line.is_penalty), ZERO)


def line_key(supplier_id: int, service_id: int | None) -> str:
    return f"{supplier_id}-{service_id or 0}"


def payment_lines(account: Account) -> PaymentLines:
    """What the account can pay: a line per recipient and service of its newest bill.

    Only the newest bill is payable. Its charge lines give the amount due per service
    («к оплате», never negative); penalty lines are marked so the page shows them apart. Only
    suppliers staff approved for online payment appear. Without charge lines, a bill section is
    one line; without any bill, the account's own supplier gets a line with nothing due, so an
    advance can still be paid. What portal payments not yet in that bill paid for a
    line is taken off it (never below zero): ``billing.pending``. Five queries whatever
    the size of the bill.
    """
    bill = Bill.objects.filter(account_id=account.pk).order_by("-period").first()
    lines: list[PayableLine] = []
    if bill is not None:
        charges = (
            Charge.objects.filter(account_id=account.pk, period=bill.period)
            .select_related("supplier", "service")
            .order_by("supplier__short_name", "service__sort_order", "service__name")
        )
        history = _average_charges(account.pk, bill.period)
        merged: dict[str, PayableLine] = {}
        for charge in charges:
            key = line_key(charge.supplier_id, charge.service_id)
            line = merged.get(key)
            if line is None:
                line = merged[key] = PayableLine(
                    key=key,
                    supplier=charge.supplier,
                    service=charge.service,
                    due=ZERO,
                    recommended=history.get((charge.supplier_id, charge.service_id), ZERO),
                    is_penalty=charge.service.kind == Service.Kind.PENALTY,
                )
            # Zones of one service are one line to pay.
            line.due += charge.total
        lines = list(merged.values())
        if not lines:
            for section in bill.sections.select_related("supplier").order_by(
                "supplier__short_name"
            ):
                lines.append(
                    PayableLine(
                        key=line_key(section.supplier_id, None),
                        supplier=section.supplier,
                        service=None,
                        due=section.total,
                        recommended=ZERO,
                        is_penalty=False,
                    )
                )
    if not lines:
        lines = [
            PayableLine(
                key=line_key(account.supplier_id, None),
                supplier=account.supplier,
                service=None,
                due=ZERO,
                recommended=ZERO,
                is_penalty=False,
            )
        ]
    pending = pending_for(account.pk, cutoff_of(bill, account.supplier.time_zone))
    groups: dict[int, SupplierLines] = {}
    for line in lines:
        line.billed = max(line.due, ZERO)
        line.pending = pending.for_line(line.key)
        line.due = max(line.billed - line.pending, ZERO)
        if not line.supplier.approved_for_payment:
            continue
        groups.setdefault(line.supplier.pk, SupplierLines(line.supplier)).lines.append(line)
    for group in groups.values():
        # Services first, penalties after them: the page shows the debt and the penalties apart.
        group.lines.sort(key=lambda line: line.is_penalty)
    return PaymentLines(
        account=account, bill=bill, suppliers=list(groups.values()), pending=pending
    )


@dataclass
class PaymentPage:
    """What the payment page shows before anything is typed: its lines and the receipt contact."""

    link: AccountLink
    lines: PaymentLines
    receipt_email: str
    receipt_phone: str

    @property
    def account(self) -> Account:
        return self.link.account

    @property
    def receipt_channel(self) -> str:
        return "email" if self.receipt_email else "sms"


def payment_page(user: Any, account_id: int) -> PaymentPage:
    """The payment page of the user's linked account (Http404 for any other account).

    The receipt goes where the profile says: its e-mail, else its phone by SMS.
    """
    link = linked_account(user, account_id)
    return PaymentPage(
        link=link,
        lines=payment_lines(link.account),
        receipt_email=user.email or "",
        receipt_phone=user.phone or "",
    )


def _average_charges(account_id: int, last: dt.date) -> dict[tuple[int, int], Decimal]:
    """Average monthly charge per (supplier, service) up to ``last``, rounded up to a rouble."""
    first = dt.date(last.year - 1, last.month, 1)
    rows = (
        Charge.objects.filter(account_id=account_id, period__gt=first, period__lte=last)
        .values("supplier_id", "service_id")
        # Summed in whole kopecks and divided here in Decimal: SQLite's AVG adds binary
        # floats, and a mean a hair above a whole rouble must round up the same way on both
        # databases.
        .annotate(kopecks=kopecks_sum("charged"), months=Count("charged"))
    )
    result: dict[tuple[int, int], Decimal] = {}
    for row in rows:
        average = from_kopecks(row["kopecks"]) / row["months"] if row["months"] else ZERO
        if average > 0:
            result[(row["supplier_id"], row["service_id"])] = to_money(
                average.quantize(Decimal("1"), rounding=ROUND_CEILING)
            )
    return result


# --- History -----------------------------------------------------------------------------------


def payment_history(
    user: Any,
    *,
    account_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[Payment]:
    """Payments of one linked account (``account_id``) or of all the user's accounts.

    Portal payments (any state but «created») and those billing reported from other channels,
    newest first, within ``[since, until)`` by payment time (creation time until paid). Raises
    Http404 for an account not linked to the user. A fixed number of queries whatever the
    number of payments.
    """
    account_ids = _linked_ids(user)
    if account_id is not None:
        if account_id not in account_ids:
            raise Http404
        account_ids = [account_id]
    splits = PaymentSplit.objects.select_related("supplier", "service").order_by(
        "supplier__short_name", "service__sort_order"
    )
    payments = (
        Payment.objects.filter(account_id__in=account_ids)
        # A portal payment whose bank page never opened is not a payment the customer made.
        .exclude(status=Payment.Status.CREATED)
        .annotate(at=Coalesce("paid_at", "created_at"))
        .filter(at__gte=since or dt.datetime(1900, 1, 1, tzinfo=dt.UTC))
        .filter(at__lt=until or dt.datetime(9999, 1, 1, tzinfo=dt.UTC))
        .select_related("account__supplier")
        .prefetch_related(Prefetch("splits", queryset=splits))
        .order_by("-at", "-pk")
    )
    return list(payments)


def payment_events(link: AccountLink, start: dt.date, end: dt.date) -> list[Event]:
    """The account's payments (``payment_history``) made on the calendar days ``start``..``end``
    in its supplier's zone, portal and other channels alike, each with its recipients."""
    zone = link.account.supplier.time_zone
    since, until = day_bounds(start, end, zone)
    events = []
    for payment in payment_history(link.user, account_id=link.account_id, since=since, until=until):
        channel = str(payment.get_channel_display())
        if payment.source == Payment.Source.BILLING and payment.agent_name:
            channel = f"{channel}, {payment.agent_name}"
        lines = [Line(str(_("Способ")), channel)]
        if payment.refunded_amount:
            lines.append(Line(str(_("Возвращено")), format_rubles(payment.refunded_amount)))
        day = local_day(payment.at, zone)  # type: ignore[attr-defined]
        events.append(
            Event(
                kind="payment",
                day=day,
                period=period_of(day),
                title=_("Оплата %(amount)s") % {"amount": format_rubles(payment.amount)},
                ref=payment.pk,
                text=str(payment.get_status_display()),
                amount=payment.amount,
                lines=tuple(lines),
                parts=tuple(
                    Line(
                        f"{split.supplier.short_name}, {split.service.name}"
                        if split.service
                        else split.supplier.short_name,
                        format_rubles(split.amount),
                    )
                    for split in payment.splits.all()
                ),
            )
        )
    return events


def _linked_ids(user: Any) -> list[int]:
    if not user.is_authenticated:
        return []
    return list(AccountLink.objects.filter(user=user).values_list("account_id", flat=True))


def user_payment(user: Any, payment_id: int) -> Payment:
    """A payment of one of the user's linked accounts, or Http404 (another user's or missing)."""
    payment = (
        Payment.objects.filter(pk=payment_id, account_id__in=_linked_ids(user))
        .select_related("account__supplier", "account__premises")
        .prefetch_related(
            Prefetch("splits", queryset=PaymentSplit.objects.select_related("supplier", "service"))
        )
        .first()
    )
    if payment is None:
        raise Http404
    return payment


__all__ = ["linked_accounts", "payment_history", "payment_lines", "user_payment"]


# Statuses of a payment that took money: only these have a payment document to print.
DOCUMENTED = (Payment.Status.SUCCEEDED, Payment.Status.REFUNDED)


def payment_document(user: Any, payment_id: int) -> Payment:
    """A payment of the user's accounts that took money, for its printable «информационная
    квитанция» (seed 000, «История платежей»); Http404 otherwise."""
    payment = user_payment(user, payment_id)
    if payment.status not in DOCUMENTED:
        raise Http404
    return payment


@dataclass
class SupplierPayments:
    """One recipient's share of the payments of an account (seed 003, «Оплаты» by ЛС)."""

    supplier: Supplier
    account_number: str
    rows: list[tuple[Payment, Decimal]]

    @property
    def total(self) -> Decimal:
        # Decimals of two places add exactly; to_money keeps the printed scale.
        return to_money(sum((amount for _, amount in self.rows), ZERO))


def payments_by_supplier(payments: list[Payment], account_number: str) -> list[SupplierPayments]:
    """The splits of ``payments`` under each recipient, newest first, recipients by name."""
    groups: dict[int, SupplierPayments] = {}
    for payment in payments:
        for split in payment.splits.all():
            group = groups.setdefault(
                split.supplier_id,
                SupplierPayments(supplier=split.supplier, account_number=account_number, rows=[]),
            )
            group.rows.append((payment, split.amount))
    return sorted(groups.values(), key=lambda g: g.supplier.short_name)
