"""Exports of portal card payments for billing, registered from the app config.

``payments``: Kabinet's documented format (docs/exchange.md), one row per payment and recipient.
``payments_registry``: the common bank-registry shape — ``;``-separated, windows-1251, ``#``
lines with the totals before the header — for billing systems that load bank registries.
See kabinet.billing.exchange.exports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from kabinet.billing.exchange.exports import ExportKind, register_export
from kabinet.core.money import from_kopecks, kopecks_sum, plain_rubles
from kabinet.payments.models import Payment, PaymentSplit

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
)

# A refunded payment was received first; billing needs it to reverse what it booked.
EXPORTED_STATUSES = (Payment.Status.SUCCEEDED, Payment.Status.REFUNDED)

CHUNK_SIZE = 2000


def _exported(since: dt.datetime, until: dt.datetime) -> QuerySet[PaymentSplit]:
    return PaymentSplit.objects.filter(
        payment__source=Payment.Source.PORTAL,
        payment__status__in=EXPORTED_STATUSES,
        payment__paid_at__gte=since,
        payment__paid_at__lt=until,
    )


def _splits(since: dt.datetime, until: dt.datetime) -> QuerySet[Any, Any]:
    """One row per payment and recipient (a payment's service lines of one recipient summed)."""
    return (
        _exported(since, until)
        .values(
            "payment_id",
            "payment__paid_at",
            "payment__status",
            "payment__provider_payment_id",
            "payment__external_id",
            "payment__account__number",
            "payment__account__number_display",
            "payment__account__owner_name",
            "payment__account__premises__address",
            "payment__account__supplier__code",
            "payment__account__branch__code",
            "supplier__code",
            "supplier__inn",
        )
        .annotate(total_kopecks=kopecks_sum("amount"))
        .order_by("payment__paid_at", "payment_id", "supplier__code")
    )


def payment_rows(since: dt.datetime, until: dt.datetime) -> Iterator[list[str]]:
    """Portal payments paid in ``[since, until)`` that succeeded or were refunded.

    One row per recipient, ordered by payment time; one query whatever the number of rows.
    """
    for row in _splits(since, until).iterator(chunk_size=CHUNK_SIZE):
        yield [
            str(row["payment_id"]),
            row["payment__account__supplier__code"],
            row["payment__account__branch__code"] or "",
            row["payment__account__number_display"] or row["payment__account__number"],
            row["supplier__code"],
            plain_rubles(from_kopecks(row["total_kopecks"])),
            timezone.localtime(row["payment__paid_at"]).isoformat(timespec="seconds"),
            row["payment__status"],
            row["payment__provider_payment_id"] or row["payment__external_id"],
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
)


def registry_rows(since: dt.datetime, until: dt.datetime) -> Iterator[list[str]]:
    for row in _splits(since, until).iterator(chunk_size=CHUNK_SIZE):
        paid_at = timezone.localtime(row["payment__paid_at"])
        yield [
            f"{paid_at:%d.%m.%Y}",
            f"{paid_at:%H:%M:%S}",
            row["payment__account__number_display"] or row["payment__account__number"],
            row["payment__account__owner_name"],
            row["payment__account__premises__address"] or "",
            row["supplier__code"],
            row["supplier__inn"],
            plain_rubles(from_kopecks(row["total_kopecks"]), decimal_separator=","),
            str(row["payment_id"]),
            row["payment__provider_payment_id"] or row["payment__external_id"],
            row["payment__status"],
        ]


def registry_comments(since: dt.datetime, until: dt.datetime) -> list[str]:
    exported = _exported(since, until)
    rows = exported.values("payment_id", "supplier_id").distinct().count()
    amount = from_kopecks(exported.aggregate(kopecks=kopecks_sum("amount"))["kopecks"])
    start, end = timezone.localtime(since), timezone.localtime(until)
    return [
        "Реестр платежей картой через личный кабинет",
        f"Период;{start:%d.%m.%Y %H:%M:%S};{end:%d.%m.%Y %H:%M:%S}",
        f"Строк;{rows}",
        f"Сумма;{plain_rubles(amount, decimal_separator=',')}",
    ]


REGISTRY = register_export(
    ExportKind(
        name="payments_registry",
        columns=REGISTRY_COLUMNS,
        rows=registry_rows,
        encoding="windows-1251",
        comments=registry_comments,
    )
)
