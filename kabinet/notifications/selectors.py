"""Reads the notification pages, the API, the menu badge and the home page share.

Every read is the user's own: notifications are per recipient, so filtering by the user is the
ownership check (an account id is checked by the caller with ``billing.selectors.linked_account``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from kabinet.billing.models import Supplier
from kabinet.core import ratelimit
from kabinet.core.periods import add_months, period_of
from kabinet.core.timeline import Event
from kabinet.notifications.models import DEFAULTS, SUBSCRIBABLE, Channel, Notification, Subscription
from kabinet.notifications.texts import describe

MONTH_CHOICES = (1, 2, 3)


def months_from(value: Any) -> int:
    """The «за 1/2/3 месяца» filter; anything else is the default, the last month."""
    try:
        months = int(value)
    except (TypeError, ValueError):
        return 1
    return months if months in MONTH_CHOICES else 1


def since(months: int, now: dt.datetime | None = None) -> dt.datetime:
    """The start of the last ``months`` months: the same day and time that many months ago."""
    now = now or timezone.now()
    day = add_months(now.date().replace(day=1), -months)
    last_day = (add_months(day, 1) - dt.timedelta(days=1)).day
    return now.replace(year=day.year, month=day.month, day=min(now.day, last_day))


def notifications_of(
    user: Any, *, account_id: int | None = None, months: int = 1, unread_only: bool = False
) -> QuerySet[Notification]:
    """The user's notifications of the last ``months`` months, newest first; of one account
    when ``account_id`` is given (and the user's own notices without an account never)."""
    rows = Notification.objects.filter(user_id=user.pk, created_at__gte=since(months))
    if account_id is not None:
        rows = rows.filter(account_id=account_id)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.select_related("account").order_by("-created_at", "-pk")


# The badge and the marks are on every page: the counts are cached per user and forgotten
# (after the commit) by every write that changes them; the expiry only bounds a missed forget.
UNREAD_CACHE_SECONDS = 300


def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def _unread(user: Any) -> dict[int, int]:
    """Unread notifications per account, the user's own ones (no account) under 0; one query,
    then the cache."""
    if not user.is_authenticated:
        return {}
    key = _unread_key(user.pk)
    try:
        cached = cache.get(key)
    except ratelimit.CACHE_FAILURES:
        cached = None
    if cached is not None:
        return dict(cached)
    value = {
        account_id or 0: n
        for account_id, n in Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
        .values_list("account_id")
        .annotate(n=Count("pk"))
        .values_list("account_id", "n")
    }
    with contextlib.suppress(*ratelimit.CACHE_FAILURES):
        cache.set(key, value, UNREAD_CACHE_SECONDS)
    return value


def unread_counts(user: Any) -> dict[int, int]:
    """Unread notifications per linked account, ``{account_id: n}`` (accounts with none are
    left out); the home page's and the «Ваши счета» marks."""
    return {account_id: n for account_id, n in _unread(user).items() if account_id}


def unread_total(user: Any) -> int:
    """The user's unread notifications: the menu's badge."""
    return sum(_unread(user).values())


def forget_unread(user_ids: Iterable[int]) -> None:
    """Drop the cached counts of these users, now and once the current transaction commits."""
    keys = [_unread_key(user_id) for user_id in user_ids]

    def forget() -> None:
        with contextlib.suppress(*ratelimit.CACHE_FAILURES):
            cache.delete_many(keys)

    if keys:
        # Now as well: a page rendered after the commit and before the callback must not find
        # the old counts (it would keep them in its fragment under the new account versions).
        forget()
        transaction.on_commit(forget)


def subscriptions_of(user: Any) -> list[dict[str, Any]]:
    """Every kind a customer may choose channels for, with the choice (or the default)."""
    sms_kinds: set[str] = set()
    for kinds in (
        Supplier.objects.filter(accounts__links__user_id=user.pk)
        .distinct()
        .values_list("sms_notification_kinds", flat=True)
    ):
        sms_kinds.update(kinds or [])
    chosen = {
        (kind, channel): enabled
        for kind, channel, enabled in Subscription.objects.filter(user_id=user.pk).values_list(
            "kind", "channel", "enabled"
        )
    }
    return [
        {
            "kind": kind.value,
            "label": str(kind.label),
            "email": chosen.get((kind.value, Channel.EMAIL), DEFAULTS[Channel.EMAIL]),
            "sms": chosen.get((kind.value, Channel.SMS), DEFAULTS[Channel.SMS]),
            "sms_available": kind.value in sms_kinds,
        }
        for kind in SUBSCRIBABLE
    ]


def notification_events(link: Any, start: dt.date, end: dt.date) -> list[Event]:
    """The account's notifications to this customer on the days ``start``..``end``, for «Все
    события» (``TIMELINE_SOURCES``); each in the reader's language, as the list shows it."""
    tz = timezone.get_current_timezone()
    rows = Notification.objects.filter(
        user_id=link.user_id,
        account_id=link.account_id,
        created_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        created_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    ).order_by("-created_at", "-pk")
    events = []
    for notification in rows:
        day = timezone.localtime(notification.created_at).date()
        described = describe(notification)
        events.append(
            Event(
                kind="notification",
                day=day,
                period=period_of(day),
                title=described.title,
                ref=notification.pk,
                text=described.text,
            )
        )
    return events
