"""Portal payments not yet in the newest bill, as the balance pages see them.

A card payment made in the portal reaches billing through the `payments` export and shows in a
bill some days or weeks later. Until then the account's pages show it («Оплачено 1 545,13 ₽
04.12, ожидает учёта») and offer only what is left to pay, so nobody pays twice.

The rule. A succeeded card payment (less its refunds; a fully refunded one counts nothing)
counts against the newest bill until that bill covers it: the bill was loaded from billing (or
its amounts last changed) after the payment succeeded, *and* it was issued on a later day than
the payment was made — or, for a bill without an issue date, it is for the payment's month or
a later one (days and months in the supplier's time zone). ``bill_cutoff`` is that moment:
payments that succeeded before it are in the bill's «paid», those at or after it are not.

* A bill formed after the payment and loaded after it has the payment in its «paid»: counting
  the payment again would hide a real debt. A bill formed before the payment (last month's,
  loaded a few days late) does not have it: the payment keeps counting, and the customer is
  not asked to pay twice.
* Billing's `payments` file naming the payment by ``portal_id`` (``Payment.accounted_at``)
  tells that billing has it — it is no longer «ожидает учёта» but «учтён биллингом», and the
  history keeps one payment — yet not that the bill on the page has it. So it keeps counting
  until a bill covers it: billing systems that send payments daily would otherwise bring the
  old debt back on the page for the weeks until the next bill.

Which payments exist is the payments app's business (kabinet/payments/pending.py). Billing sits
below payments and must not import it, so it asks through the setting ``PENDING_PAYMENTS``: the
dotted path of a function ``(cutoffs) -> {account_id: Pending}`` taking each account's cutoff
(None for an account without a bill), resolved like Django's backends. settings.py, which wires
the apps together, names the payments function; without the setting nothing is pending.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils.module_loading import import_string

from kabinet.billing.models import Bill

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PendingPayment:
    """One portal payment not yet in the newest bill, less what was refunded of it."""

    payment_id: int
    paid_at: dt.datetime
    amount: Decimal
    # What it paid per line of the payment page («<supplier id>-<service id or 0>»), refunds
    # taken off in proportion; the lines add up to ``amount``.
    lines: Mapping[str, Decimal] = field(default_factory=dict)
    # Billing's payments file named it: «учтён биллингом» instead of «ожидает учёта».
    accounted: bool = False


@dataclass(frozen=True)
class Pending:
    """An account's payments not yet in its newest bill, oldest first."""

    payments: tuple[PendingPayment, ...] = ()

    @property
    def total(self) -> Decimal:
        return sum((p.amount for p in self.payments), ZERO)

    def for_line(self, key: str) -> Decimal:
        """What the pending payments paid for one line of the payment page."""
        return sum((p.lines.get(key, ZERO) for p in self.payments), ZERO)

    def __bool__(self) -> bool:
        return bool(self.payments)


NOTHING = Pending()

PendingSource = Callable[[Mapping[int, "dt.datetime | None"]], Mapping[int, Pending]]


def bill_cutoff(
    *, period: dt.date, issued_on: dt.date | None, loaded_at: dt.datetime, zone: str
) -> dt.datetime:
    """The moment before which a portal payment is in this bill (rule 2): the earlier of its
    load and the start of its issue day — without one, the end of its month — in ``zone``."""
    if issued_on is not None:
        formed = issued_on
    else:
        formed = (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return min(loaded_at, dt.datetime.combine(formed, dt.time.min, tzinfo=ZoneInfo(zone)))


def newest_bills(account_ids: list[int]) -> list[dict[str, Any]]:
    """Each account's newest bill as ``account_id``, ``bill_id``, ``total`` and ``cutoff``, in
    one query."""
    if not account_ids:
        return []
    newest = Bill.objects.filter(account_id=OuterRef("account_id")).order_by("-period")
    rows = (
        Bill.objects.filter(account_id__in=account_ids)
        .filter(pk=Subquery(newest.values("pk")[:1]))
        .values(
            "pk",
            "account_id",
            "total",
            "period",
            "issued_on",
            "loaded_at",
            "account__supplier__time_zone",
        )
    )
    return [
        {
            "account_id": row["account_id"],
            "bill_id": row["pk"],
            "total": row["total"],
            "cutoff": bill_cutoff(
                period=row["period"],
                issued_on=row["issued_on"],
                loaded_at=row["loaded_at"],
                zone=row["account__supplier__time_zone"],
            ),
        }
        for row in rows
    ]


def pending_payments(cutoffs: Mapping[int, dt.datetime | None]) -> Mapping[int, Pending]:
    """The pending payments of each account of ``cutoffs`` that has any: those that succeeded
    at or after its cutoff (any time for an account without a bill)."""
    path = getattr(settings, "PENDING_PAYMENTS", "")
    if not path or not cutoffs:
        return {}
    source: PendingSource = import_string(path)
    return source(cutoffs)


def pending_for(account_id: int, cutoff: dt.datetime | None) -> Pending:
    return pending_payments({account_id: cutoff}).get(account_id, NOTHING)


def cutoff_of(bill: Bill | None, zone: str) -> dt.datetime | None:
    """``bill_cutoff`` of a bill already read (None for no bill)."""
    if bill is None:
        return None
    return bill_cutoff(
        period=bill.period, issued_on=bill.issued_on, loaded_at=bill.loaded_at, zone=zone
    )


def after_pending(balance: Decimal | None, pending: Pending) -> Decimal | None:
    """The balance once the pending payments are accounted: a debt (positive) goes down, and
    paying more than the debt shows as an overpayment (negative). None without a bill and
    without pending payments: there is nothing to show."""
    if balance is None and not pending:
        return None
    return (balance or ZERO) - pending.total
