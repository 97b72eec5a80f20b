"""The rules that raise notifications: each reads what happened from the selectors of the apps
below and yields one unsaved notification per customer, account and event.

A rule may leave out what was raised before (an anti-join in its query): that only saves the
insert its conflict would skip. The unique constraint decides; a rule that yields a raised
notification again raises nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from kabinet.billing.models import Account, AccountLink, Bill, Supplier
from kabinet.billing.selectors import balances
from kabinet.metering.models import Meter
from kabinet.metering.selectors import in_service, meters_missing_readings
from kabinet.metering.windows import moment_text, window_state
from kabinet.notifications.models import Kind, Notification
from kabinet.notifications.services import CHUNK, chunked, zone_named
from kabinet.payments.models import Payment

# Bills loaded and payments finished this long ago are still news; older ones are history.
RECENT = dt.timedelta(days=3)
VERIFICATION_NOTICES = (60, 30)  # days before a meter's verification date


def _links_of(account_ids: list[int]) -> dict[int, list[int]]:
    users: dict[int, list[int]] = defaultdict(list)
    for user_id, account_id in AccountLink.objects.filter(account_id__in=account_ids).values_list(
        "user_id", "account_id"
    ):
        users[account_id].append(user_id)
    return users


def new_bills(now: dt.datetime) -> Iterator[Notification]:
    bills = (
        Bill.objects.filter(loaded_at__gte=now - RECENT, account__status=Account.Status.OPEN)
        .order_by("pk")
        .values_list("pk", "account_id", "period", "total", "due_date")
    )
    for chunk in chunked(bills.iterator(chunk_size=CHUNK)):
        users = _links_of([row[1] for row in chunk])
        for bill_id, account_id, period, total, due_date in chunk:
            for user_id in users.get(account_id, ()):
                yield Notification(
                    user_id=user_id,
                    account_id=account_id,
                    kind=Kind.NEW_BILL,
                    key=f"bill:{period:%Y-%m}",
                    payload={
                        "bill_id": bill_id,
                        "period": period.isoformat(),
                        "total": str(total),
                        "due_date": due_date.isoformat() if due_date else None,
                    },
                )


def debts(now: dt.datetime) -> Iterator[Notification]:
    """A debt on the newest bill: once in the days before its due date, once after it."""
    before = dt.timedelta(days=settings.NOTIFICATIONS_DEBT_DAYS_BEFORE)
    accounts = (
        Account.objects.filter(status=Account.Status.OPEN, links__isnull=False)
        .distinct()
        .order_by("pk")
        .values_list("pk", "supplier__time_zone")
    )
    for chunk in chunked(accounts.iterator(chunk_size=CHUNK)):
        zones = dict(chunk)
        ids = list(zones)
        newest: dict[int, tuple[dt.date, dt.date]] = {}
        for account_id, period, due_date in (
            Bill.objects.filter(account_id__in=ids, due_date__isnull=False)
            .order_by("account_id", "-period")
            .values_list("account_id", "period", "due_date")
        ):
            if due_date is not None:  # the query leaves out bills without one
                newest.setdefault(account_id, (period, due_date))
        if not newest:
            continue
        owed = balances(list(newest))
        users = _links_of(list(newest))
        for account_id, (period, due_date) in newest.items():
            remaining = owed[account_id].remaining
            if remaining is None or remaining <= 0:
                continue
            today = now.astimezone(zone_named(zones[account_id])).date()
            if today > due_date:
                kind = Kind.DEBT_OVERDUE
            elif today >= due_date - before:
                kind = Kind.DEBT
            else:
                continue
            for user_id in users.get(account_id, ()):
                yield Notification(
                    user_id=user_id,
                    account_id=account_id,
                    kind=kind,
                    key=f"debt:{period:%Y-%m}",
                    payload={
                        "period": period.isoformat(),
                        "amount": str(remaining),
                        "due_date": due_date.isoformat(),
                    },
                )


def readings_window(now: dt.datetime) -> Iterator[Notification]:
    """Per supplier with an open window: «открыт приём» once per period to every account with a
    meter not read yet, and «заканчивается» in the last days to those still not read."""
    closing_days = dt.timedelta(days=settings.NOTIFICATIONS_READINGS_CLOSING_DAYS)
    for supplier in Supplier.objects.order_by("pk"):
        window = window_state(supplier, now)
        if not window.is_open:
            continue
        kind = (
            Kind.READINGS_CLOSING if window.closes_at - now <= closing_days else Kind.READINGS_OPEN
        )
        key = f"readings:{window.period:%Y-%m}"
        closes = moment_text(window.closes_at, window.zone)
        missing = meters_missing_readings(window.period, supplier).values("account_id")
        links = (
            AccountLink.objects.filter(account_id__in=missing)
            .exclude(
                Exists(
                    Notification.objects.filter(
                        kind=kind,
                        key=key,
                        account_id=OuterRef("account_id"),
                        user_id=OuterRef("user_id"),
                    )
                )
            )
            .order_by("pk")
            .values_list("user_id", "account_id")
        )
        payload = {"period": window.period.isoformat(), "closes": closes}
        for user_id, account_id in links.iterator(chunk_size=CHUNK):
            yield Notification(
                user_id=user_id, account_id=account_id, kind=kind, key=key, payload=payload
            )


def verifications(now: dt.datetime) -> Iterator[Notification]:
    """A meter whose verification date is 60 and then 30 days away, and one past it."""
    today = timezone.localdate(now)
    horizon = today + dt.timedelta(days=max(VERIFICATION_NOTICES))
    meters = (
        Meter.objects.filter(
            in_service(today),
            verification_due__isnull=False,
            verification_due__lte=horizon,
            account__status=Account.Status.OPEN,
        )
        .order_by("pk")
        .values_list("pk", "account_id", "serial_number", "verification_due")
    )
    for chunk in chunked(meters.iterator(chunk_size=CHUNK)):
        users = _links_of([row[1] for row in chunk])
        for meter_id, account_id, serial, due in chunk:
            if due is None:  # the query leaves out meters without a date
                continue
            days = (due - today).days
            if days < 0:
                kind, key = Kind.VERIFICATION_EXPIRED, f"meter:{meter_id}:{due}"
            else:
                notice = min(n for n in VERIFICATION_NOTICES if days <= n)
                kind, key = Kind.VERIFICATION_DUE, f"meter:{meter_id}:{due}:{notice}"
            for user_id in users.get(account_id, ()):
                yield Notification(
                    user_id=user_id,
                    account_id=account_id,
                    kind=kind,
                    key=key,
                    payload={"serial": serial, "due_date": due.isoformat(), "meter_id": meter_id},
                )


def payments(now: dt.datetime) -> Iterator[Notification]:
    """A portal payment that succeeded or was cancelled lately, to the customer who paid."""
    finished = (
        Payment.objects.filter(
            source=Payment.Source.PORTAL,
            user__isnull=False,
            status__in=(Payment.Status.SUCCEEDED, Payment.Status.CANCELED),
            created_at__gte=now - RECENT,
        )
        .order_by("pk")
        .values_list("pk", "user_id", "account_id", "status", "amount")
    )
    for payment_id, user_id, account_id, status, amount in finished.iterator(chunk_size=CHUNK):
        kind = Kind.PAYMENT_SUCCEEDED if status == Payment.Status.SUCCEEDED else Kind.PAYMENT_FAILED
        yield Notification(
            user_id=user_id,
            account_id=account_id,
            kind=kind,
            key=f"payment:{payment_id}",
            payload={"payment_id": payment_id, "amount": str(amount)},
        )


RULES: dict[str, Callable[[dt.datetime], Iterator[Notification]]] = {
    "new_bills": new_bills,
    "debts": debts,
    "readings_window": readings_window,
    "verifications": verifications,
    "payments": payments,
}
