"""The ``payments`` export: card payments made in the portal, one row per recipient.

Registered from the app config; see kabinet.billing.exchange.exports and docs/exchange.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

from kabinet.billing.exchange.exports import ExportKind, register_export
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


def payment_rows(since: dt.datetime, until: dt.datetime) -> Iterator[list[str]]:
    """Portal payments paid in ``[since, until)`` that succeeded or were refunded.

    One row per recipient (PaymentSplit), ordered by payment time; one query whatever the
    number of rows.
    """
    splits = (
        PaymentSplit.objects.filter(
            payment__source=Payment.Source.PORTAL,
            payment__status__in=EXPORTED_STATUSES,
            payment__paid_at__gte=since,
            payment__paid_at__lt=until,
        )
        .select_related(
            "supplier", "payment__account__supplier", "payment__account__branch", "payment__account"
        )
        .order_by("payment__paid_at", "payment_id", "supplier__code")
    )
    for split in splits.iterator(chunk_size=CHUNK_SIZE):
        payment = split.payment
        account = payment.account
        assert payment.paid_at is not None  # the filter above excludes unpaid payments
        yield [
            str(payment.pk),
            account.supplier.code,
            account.branch.code if account.branch else "",
            account.number_display or account.number,
            split.supplier.code,
            f"{split.amount:.2f}",
            timezone.localtime(payment.paid_at).isoformat(timespec="seconds"),
            payment.status,
            payment.external_id,
        ]


PAYMENTS = register_export(ExportKind(name="payments", columns=COLUMNS, rows=payment_rows))
