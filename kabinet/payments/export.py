"""Exports of portal card payments and their refunds for billing, registered from the app config.

``payments``: Kabinet's documented format (docs/exchange.md), one row per payment and recipient
and one per refund and recipient.
``payments_registry``: the common bank-registry shape — ``;``-separated, windows-1251, ``#``
lines with the totals before the header — for billing systems that load bank registries; it can
also be written one file per recipient settlement account, the way banks send them.
See kabinet.billing.exchange.exports.

A payment is exported by the time it was paid, a refund by the time it was made: a refund of a
payment exported months ago goes into the next export, as its own row with a negative amount,
the original payment's ``portal_id`` and status ``refunded``. So the amounts of a file add up to
the money that moved in its range, and billing books each row once.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from kabinet.billing.exchange.exports import ExportKind, ExportPart, register_export
from kabinet.core.money import ZERO, from_kopecks, kopecks_sum, plain_rubles
from kabinet.payments.models import Payment, PaymentSplit, Refund, RefundSplit

COLUMNS = (
    "portal_id",
    "supplier",
    "branch",
    "account",
    "recipient",
    "amount",
    "paid_at",
    "status",
    "provider_id",
    "refund_id",
    "refunded_at",
    "els",
    "bill_number",
    "period",
    "services",
)

# A refunded payment was received first: its payment row stays, its refunds follow as rows.
EXPORTED_STATUSES = (Payment.Status.SUCCEEDED, Payment.Status.REFUNDED)
REFUNDED = "refunded"

CHUNK_SIZE = 2000

# What a row needs of the payment, as seen from a PaymentSplit ("payment__…") or from a
# RefundSplit ("payment_split__payment__…").
PAYMENT_FIELDS = (
    "payment_id",
    "payment__paid_at",
    "payment__provider_payment_id",
    "payment__external_id",
    "payment__bill_period",
    "payment__account__number",
    "payment__account__number_display",
    "payment__account__owner_name",
    "payment__account__els",
    "payment__account__premises__address",
    "payment__account__supplier__code",
    "payment__account__branch__code",
    "supplier_id",
    "supplier__code",
    "supplier__inn",
    "service__code",
    "document_number",
)


@dataclass
class Event:
    """One row: the part of a payment (or of a refund) that one recipient receives (returns)."""

    at: dt.datetime
    order: tuple[Any, ...]
    row: dict[str, Any]
    refund_id: int | None = None
    refund_provider_id: str = ""
    amount: Decimal = ZERO
    services: list[tuple[str, Decimal]] = field(default_factory=list)

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (self.at, *self.order)


def _payment_splits(
    since: dt.datetime, until: dt.datetime, supplier_ids: Iterable[int] | None = None
) -> QuerySet[PaymentSplit]:
    splits = PaymentSplit.objects.filter(
        payment__source=Payment.Source.PORTAL,
        payment__status__in=EXPORTED_STATUSES,
        payment__paid_at__gte=since,
        payment__paid_at__lt=until,
    )
    if supplier_ids is not None:
        splits = splits.filter(supplier_id__in=list(supplier_ids))
    return splits


def _refund_splits(
    since: dt.datetime, until: dt.datetime, supplier_ids: Iterable[int] | None = None
) -> QuerySet[RefundSplit]:
    splits = RefundSplit.objects.filter(
        refund__status=Refund.Status.SUCCEEDED,
        refund__refunded_at__gte=since,
        refund__refunded_at__lt=until,
    )
    if supplier_ids is not None:
        splits = splits.filter(payment_split__supplier_id__in=list(supplier_ids))
    return splits


def _grouped(
    rows: Iterator[dict[str, Any]], key: tuple[str, ...]
) -> Iterator[list[dict[str, Any]]]:
    """Consecutive rows with the same ``key`` values (the query orders by them)."""
    group: list[dict[str, Any]] = []
    for row in rows:
        if group and any(group[0][k] != row[k] for k in key):
            yield group
            group = []
        group.append(row)
    if group:
        yield group


def _payment_events(
    since: dt.datetime, until: dt.datetime, supplier_ids: Iterable[int] | None
) -> Iterator[Event]:
    rows = (
        _payment_splits(since, until, supplier_ids)
        .values(*PAYMENT_FIELDS, "amount")
        .order_by("payment__paid_at", "payment_id", "supplier__code", "pk")
    )
    for group in _grouped(rows.iterator(chunk_size=CHUNK_SIZE), ("payment_id", "supplier_id")):
        first = group[0]
        yield Event(
            at=first["payment__paid_at"],
            order=(0, first["payment_id"], first["supplier__code"]),
            row=first,
            amount=sum((row["amount"] for row in group), ZERO),
            services=[
                (row["service__code"], row["amount"]) for row in group if row["service__code"]
            ],
        )


def _refund_events(
    since: dt.datetime, until: dt.datetime, supplier_ids: Iterable[int] | None
) -> Iterator[Event]:
    prefix = "payment_split__"
    rows = (
        _refund_splits(since, until, supplier_ids)
        .values(
            "refund_id",
            "refund__refunded_at",
            "refund__provider_refund_id",
            "amount",
            *(prefix + name for name in PAYMENT_FIELDS),
        )
        .order_by("refund__refunded_at", "refund_id", f"{prefix}supplier__code", f"{prefix}pk")
    )
    for group in _grouped(
        rows.iterator(chunk_size=CHUNK_SIZE), ("refund_id", f"{prefix}supplier_id")
    ):
        first = group[0]
        row = {name: first[prefix + name] for name in PAYMENT_FIELDS}
        yield Event(
            at=first["refund__refunded_at"],
            order=(1, first["refund_id"], row["supplier__code"]),
            row=row,
            refund_id=first["refund_id"],
            refund_provider_id=first["refund__provider_refund_id"],
            amount=-sum((r["amount"] for r in group), ZERO),
            services=[
                (r[f"{prefix}service__code"], -r["amount"])
                for r in group
                if r[f"{prefix}service__code"]
            ],
        )


def events(
    since: dt.datetime, until: dt.datetime, supplier_ids: Iterable[int] | None = None
) -> Iterator[Event]:
    """Payments paid and refunds made in ``[since, until)``, in time order; two queries."""
    ids = None if supplier_ids is None else list(supplier_ids)
    return heapq.merge(
        _payment_events(since, until, ids),
        _refund_events(since, until, ids),
        key=lambda event: event.sort_key,
    )


def _services(event: Event, separator: str) -> str:
    """``electricity:684.70|penalty:12.34``: the recipient's part per service."""
    return "|".join(
        f"{code}:{plain_rubles(amount, decimal_separator=separator)}"
        for code, amount in event.services
    )


def _account(row: dict[str, Any]) -> str:
    return row["payment__account__number_display"] or row["payment__account__number"]


def payment_rows(since: dt.datetime, until: dt.datetime) -> Iterator[list[str]]:
    """One row per payment and recipient, and one per refund and recipient, in time order."""
    for event in events(since, until):
        row = event.row
        period: dt.date | None = row["payment__bill_period"]
        yield [
            str(row["payment_id"]),
            row["payment__account__supplier__code"],
            row["payment__account__branch__code"] or "",
            _account(row),
            row["supplier__code"],
            plain_rubles(event.amount),
            timezone.localtime(row["payment__paid_at"]).isoformat(timespec="seconds"),
            REFUNDED if event.refund_id else Payment.Status.SUCCEEDED.value,
            row["payment__provider_payment_id"] or row["payment__external_id"],
            str(event.refund_id or ""),
            timezone.localtime(event.at).isoformat(timespec="seconds") if event.refund_id else "",
            row["payment__account__els"],
            row["document_number"],
            f"{period:%Y-%m}" if period else "",
            _services(event, "."),
        ]


PAYMENTS = register_export(ExportKind(name="payments", columns=COLUMNS, rows=payment_rows))


REGISTRY_COLUMNS = (
    "date",
    "time",
    "account",
    "payer",
    "address",
    "recipient",
    "recipient_inn",
    "amount",
    "portal_id",
    "provider_id",
    "status",
    "els",
    "bill_number",
    "period",
    "services",
    "refund_id",
)


def _registry_rows(
    since: dt.datetime, until: dt.datetime, supplier_ids: Iterable[int] | None = None
) -> Iterator[list[str]]:
    for event in events(since, until, supplier_ids):
        row = event.row
        at = timezone.localtime(event.at)
        period: dt.date | None = row["payment__bill_period"]
        yield [
            f"{at:%d.%m.%Y}",
            f"{at:%H:%M:%S}",
            _account(row),
            row["payment__account__owner_name"],
            row["payment__account__premises__address"] or "",
            row["supplier__code"],
            row["supplier__inn"],
            plain_rubles(event.amount, decimal_separator=","),
            str(row["payment_id"]),
            row["payment__provider_payment_id"] or row["payment__external_id"],
            REFUNDED if event.refund_id else Payment.Status.SUCCEEDED.value,
            row["payment__account__els"],
            row["document_number"],
            f"{period:%m.%Y}" if period else "",
            _services(event, ","),
            str(event.refund_id or ""),
        ]


def registry_rows(since: dt.datetime, until: dt.datetime) -> Iterator[list[str]]:
    return _registry_rows(since, until)


def _totals(
    since: dt.datetime, until: dt.datetime, supplier_ids: Iterable[int] | None = None
) -> tuple[int, Decimal]:
    """Rows and their net amount: money received less money refunded."""
    ids = None if supplier_ids is None else list(supplier_ids)
    # In whole kopecks: a plain SUM over SQLite's float-stored decimals can miss by a fraction.
    paid = _payment_splits(since, until, ids).aggregate(amount=kopecks_sum("amount"))
    refunded = _refund_splits(since, until, ids).aggregate(amount=kopecks_sum("amount"))
    # Rows are per payment (refund) and recipient: count those pairs.
    rows = (
        _payment_splits(since, until, ids).values("payment_id", "supplier_id").distinct().count()
        + _refund_splits(since, until, ids)
        .values("refund_id", "payment_split__supplier_id")
        .distinct()
        .count()
    )
    amount = from_kopecks(paid["amount"]) - from_kopecks(refunded["amount"])
    return rows, amount


def _comments(
    since: dt.datetime,
    until: dt.datetime,
    supplier_ids: Iterable[int] | None = None,
    recipient: str = "",
) -> list[str]:
    rows, amount = _totals(since, until, supplier_ids)
    start, end = timezone.localtime(since), timezone.localtime(until)
    lines = ["Реестр платежей картой через личный кабинет"]
    if recipient:
        lines.append(f"Получатель;{recipient}")
    return [
        *lines,
        f"Период;{start:%d.%m.%Y %H:%M:%S};{end:%d.%m.%Y %H:%M:%S}",
        f"Строк;{rows}",
        f"Сумма;{plain_rubles(amount, decimal_separator=',')}",
    ]


def registry_comments(since: dt.datetime, until: dt.datetime) -> list[str]:
    return _comments(since, until)


def _name_date(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%Y%m%d}" if local.time() == dt.time(0, 0) else f"{local:%Y%m%dT%H%M%S}"


def registry_parts(since: dt.datetime, until: dt.datetime) -> list[ExportPart]:
    """One registry per recipient settlement account that received or refunded money in the
    range, named ``INN_ACCOUNT_YYYYMMDD`` (the date of ``until``) as banks name theirs."""
    recipients: dict[tuple[str, str], list[int]] = {}
    names: dict[tuple[str, str], str] = {}
    for splits, prefix in (
        (_payment_splits(since, until), "supplier__"),
        (_refund_splits(since, until), "payment_split__supplier__"),
    ):
        for supplier_id, inn, account, name in splits.values_list(
            prefix + "id", prefix + "inn", prefix + "settlement_account", prefix + "name"
        ).distinct():
            ids = recipients.setdefault((inn, account), [])
            if supplier_id not in ids:
                ids.append(supplier_id)
            names[(inn, account)] = name
    parts = []
    for (inn, account), ids in sorted(recipients.items()):

        def rows(ids: list[int] = ids) -> Iterator[list[str]]:
            return _registry_rows(since, until, ids)

        def comments(
            ids: list[int] = ids, who: str = f"{names[(inn, account)]};{inn};{account}"
        ) -> list[str]:
            return _comments(since, until, ids, who)

        parts.append(
            ExportPart(name=f"{inn}_{account}_{_name_date(until)}", rows=rows, comments=comments)
        )
    return parts


REGISTRY = register_export(
    ExportKind(
        name="payments_registry",
        columns=REGISTRY_COLUMNS,
        rows=registry_rows,
        encoding="windows-1251",
        comments=registry_comments,
        parts=registry_parts,
    )
)
