"""The portal payments not yet in each account's newest bill, for the balance pages.

The rule is written out in kabinet/billing/pending.py: a succeeded card payment counts until
the account's newest bill covers it (it succeeded before that bill's cutoff), whether or not
billing's `payments` file has named it by portal_id yet (``accounted``).
settings.PENDING_PAYMENTS names ``pending_payments`` here, so billing asks without importing
this app.

A refund takes its amount off the payment (a fully refunded payment is not pending at all);
a partial refund is shared between the payment's lines in proportion to their amounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Q

from kabinet.billing.pending import Pending, PendingPayment
from kabinet.core.money import ZERO, allocate
from kabinet.payments.models import Payment


def pending_payments(cutoffs: Mapping[int, dt.datetime | None]) -> dict[int, Pending]:
    """The pending portal payments of each account of ``cutoffs`` that has any: succeeded at or
    after the account's cutoff (any time when it is None: no bill yet), not refunded in full.
    Oldest first; one query."""
    if not cutoffs:
        return {}
    accounts = Q()
    for account_id, cutoff in sorted(cutoffs.items()):
        if cutoff is None:
            accounts |= Q(account_id=account_id)
        else:
            accounts |= Q(account_id=account_id, paid_at__gte=cutoff)
    rows = (
        Payment.objects.filter(
            accounts,
            source=Payment.Source.PORTAL,
            # «refunded» is refunded in full: nothing of it is left to count.
            status=Payment.Status.SUCCEEDED,
            paid_at__isnull=False,
        )
        .order_by("paid_at", "pk")
        .values_list(
            "pk", "account_id", "paid_at", "amount", "refunded_amount", "lines", "accounted_at"
        )
    )
    found: dict[int, list[PendingPayment]] = {}
    for pk, account_id, paid_at, amount, refunded, lines, accounted_at in rows:
        if refunded >= amount or paid_at is None:  # the query leaves out unpaid ones
            continue
        found.setdefault(account_id, []).append(
            PendingPayment(
                payment_id=pk,
                paid_at=paid_at,
                amount=amount - refunded,
                lines=net_lines(_paid_lines(lines), refunded),
                accounted=accounted_at is not None,
            )
        )
    return {account_id: Pending(tuple(payments)) for account_id, payments in found.items()}


def _paid_lines(lines: Any) -> list[tuple[str, Decimal]]:
    """The (line key, amount) pairs a payment's snapshot of its lines records."""
    result: list[tuple[str, Decimal]] = []
    for line in lines or []:
        try:
            result.append((str(line["key"]), Decimal(str(line["amount"]))))
        except (KeyError, TypeError, ArithmeticError):
            continue  # a snapshot a later version of the page might write differently
    return result


def net_lines(lines: Sequence[tuple[str, Decimal]], refunded: Decimal) -> Mapping[str, Decimal]:
    """What each line keeps of a payment after ``refunded`` of it went back to the card.

    Each line gives back its share in proportion to its amount, in whole kopecks, as a refund's
    parts are split (``core.money.allocate``): the lines add up exactly to their sum less
    ``refunded``, and none goes below zero. A refund larger than the lines takes everything.
    """
    merged: dict[str, Decimal] = {}
    for key, amount in lines:
        merged[key] = merged.get(key, ZERO) + amount
    total = sum(merged.values(), ZERO)
    if refunded <= 0 or total <= 0 or any(amount < 0 for amount in merged.values()):
        return merged
    if refunded >= total:
        return dict.fromkeys(merged, ZERO)
    shares = allocate(refunded, list(merged.values()))
    return {
        key: amount - share for (key, amount), share in zip(merged.items(), shares, strict=True)
    }
