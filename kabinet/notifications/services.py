"""Raising, dispatching and sending notifications; reading them; subscriptions; announcements.

Three steps, each resumable and safe to run twice or concurrently:

1. ``raise_notifications`` inserts rows with ON CONFLICT DO NOTHING (``bulk_create`` with
   ``ignore_conflicts``), a chunk per transaction: the unique constraint, not a look-up, makes
   a second run raise nothing.
2. ``dispatch_pending`` decides, for each notification not yet dispatched, its deliveries (the
   customer's subscriptions, the supplier's SMS kinds, quiet hours) and marks it dispatched in
   the same transaction.
3. ``send_due_deliveries`` hands the deliveries whose time has come to the messaging outbox and
   marks them sent in the same transaction, so a crash leaves them queued and nothing goes twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kabinet.billing import versions
from kabinet.billing.models import Account, AccountLink, Supplier
from kabinet.core.audit import Action, record
from kabinet.core.errors import ServiceError
from kabinet.messaging.models import OutgoingMessage
from kabinet.messaging.services import DeliveryRefused, EmailToQueue, queue_emails, send_sms
from kabinet.notifications.models import (
    DEFAULTS,
    PORTAL_ONLY,
    SUBSCRIBABLE,
    Announcement,
    Channel,
    Delivery,
    Kind,
    Notification,
    Subscription,
)
from kabinet.notifications.selectors import forget_unread
from kabinet.notifications.texts import describe

logger = logging.getLogger(__name__)

CHUNK = 2000
UNSUBSCRIBE_SALT = "kabinet.notifications.unsubscribe"

T = TypeVar("T")


def chunked(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --- 1. raising -------------------------------------------------------------------------------


def raise_notifications(rows: Iterable[Notification]) -> int:
    """Insert the notifications that do not exist yet, a chunk per transaction; how many were new.

    Every row of a chunk carries the chunk's own ``created_at``: the rows that carry it after the
    insert are the chunk's new ones (a conflicting row keeps its older time), and only their
    customers' account versions move (the unread marks are part of the account pages).
    """
    created = 0
    for chunk in chunked(rows):
        now = timezone.now()
        for row in chunk:
            row.created_at = now
        with transaction.atomic():
            Notification.objects.bulk_create(chunk, ignore_conflicts=True)
            users = {row.user_id for row in chunk}
            new_users = set(
                Notification.objects.filter(user_id__in=users, created_at=now)
                .values_list("user_id", flat=True)
                .distinct()
            )
            if new_users:
                created += Notification.objects.filter(
                    user_id__in=new_users, created_at=now
                ).count()
                versions.bump(accounts=Account.objects.filter(links__user_id__in=new_users))
                forget_unread(new_users)
    return created


# --- 2. dispatching ---------------------------------------------------------------------------


def zone_named(name: str | None) -> ZoneInfo:
    """A supplier's zone by name; the site's for a typo, as the readings window does."""
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def after_quiet_hours(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """``moment`` itself, or the end of the quiet hours it falls in (in ``zone``).

    The quiet hours run from NOTIFICATIONS_QUIET_START to NOTIFICATIONS_QUIET_END o'clock and
    may wrap midnight (22 → 8); equal hours mean none.
    """
    start, end = settings.NOTIFICATIONS_QUIET_START, settings.NOTIFICATIONS_QUIET_END
    if start == end:
        return moment
    local = moment.astimezone(zone)
    hour = local.hour
    quiet = (start <= hour < end) if start < end else (hour >= start or hour < end)
    if not quiet:
        return moment
    day = local.date()
    if start > end and hour >= start:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(end, 0), tzinfo=zone).astimezone(dt.UTC)


def _choices(user_ids: Iterable[int]) -> dict[tuple[int, str, str], bool]:
    return {
        (user_id, kind, channel): enabled
        for user_id, kind, channel, enabled in Subscription.objects.filter(
            user_id__in=list(user_ids)
        ).values_list("user_id", "kind", "channel", "enabled")
    }


def wants(choices: dict[tuple[int, str, str], bool], user_id: int, kind: str, channel: str) -> bool:
    return choices.get((user_id, kind, channel), DEFAULTS[Channel(channel)])


def dispatch_pending(*, now: dt.datetime | None = None, limit: int | None = None) -> int:
    """Decide the deliveries of every notification not yet dispatched; how many deliveries.

    A chunk per transaction, its rows locked (SKIP LOCKED on PostgreSQL) so that two workers
    share the work instead of doing it twice; the unique (notification, channel) constraint
    would stop a second delivery anyway.
    """
    now = now or timezone.now()
    user_model = get_user_model()
    total = 0
    done = 0
    while limit is None or done < limit:
        with transaction.atomic():
            pending = Notification.objects.filter(dispatched_at__isnull=True).order_by("pk")
            if connection.features.has_select_for_update_skip_locked:
                pending = pending.select_for_update(skip_locked=True, of=("self",))
            rows = list(
                pending.values_list("pk", "user_id", "kind", "account__supplier_id")[:CHUNK]
            )
            if not rows:
                break
            user_ids = {user_id for _pk, user_id, _kind, _supplier in rows}
            users = {
                u["pk"]: u
                for u in user_model.objects.filter(pk__in=user_ids, is_active=True).values(
                    "pk", "email", "email_confirmed_at", "phone", "phone_confirmed_at"
                )
            }
            choices = _choices(user_ids)
            supplier_ids = {supplier for *_rest, supplier in rows if supplier}
            suppliers = {
                s["pk"]: s
                for s in Supplier.objects.filter(pk__in=supplier_ids).values(
                    "pk", "time_zone", "sms_notification_kinds"
                )
            }
            deliveries = []
            for pk, user_id, kind, supplier_id in rows:
                user = users.get(user_id)
                if user is None or kind in PORTAL_ONLY:
                    continue
                supplier = suppliers.get(supplier_id) if supplier_id else None
                when = after_quiet_hours(
                    now, zone_named(supplier["time_zone"] if supplier else None)
                )
                if (
                    user["email"]
                    and user["email_confirmed_at"]
                    and wants(choices, user_id, kind, Channel.EMAIL)
                ):
                    deliveries.append(
                        Delivery(
                            notification_id=pk,
                            channel=Channel.EMAIL,
                            deliver_after=when,
                            created_at=now,
                        )
                    )
                if (
                    supplier is not None
                    and kind in (supplier["sms_notification_kinds"] or [])
                    and user["phone"]
                    and user["phone_confirmed_at"]
                    and wants(choices, user_id, kind, Channel.SMS)
                ):
                    deliveries.append(
                        Delivery(
                            notification_id=pk,
                            channel=Channel.SMS,
                            deliver_after=when,
                            created_at=now,
                        )
                    )
            Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
            Notification.objects.filter(pk__in=[row[0] for row in rows]).update(dispatched_at=now)
        total += len(deliveries)
        done += len(rows)
    return total


# --- 3. sending -------------------------------------------------------------------------------


def unsubscribe_token(user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(user_id: int, kind: str) -> str:
    path = reverse("notifications:unsubscribe", args=[unsubscribe_token(user_id, kind)])
    return settings.SITE_URL.rstrip("/") + path


def email_template(notification: Notification) -> str:
    """The outbox's name of the e-mail: an announcement's own, so its run's progress is counted
    there; otherwise the kind's."""
    if notification.announcement_id:
        return f"announcement_{notification.announcement_id}"
    return f"notification_{notification.kind}"


def _email(notification: Notification, to: str) -> EmailToQueue:
    described = describe(notification)
    site = settings.SITE_URL.rstrip("/")
    lines = [described.text, ""]
    if described.action_url:
        lines.append(f"{described.action_label}: {site}{described.action_url}")
    lines += [
        _("Все уведомления: %(url)s") % {"url": site + reverse("notifications:list")},
        "",
        _("Отписаться от таких писем: %(url)s")
        % {"url": unsubscribe_url(notification.user_id, notification.kind)},
    ]
    return EmailToQueue(
        to=to,
        template=email_template(notification),
        subject=described.title,
        body="\n".join(lines),
    )


def send_due_deliveries(*, now: dt.datetime | None = None, limit: int | None = None) -> int:
    """Hand the queued deliveries whose time has come to the outbox; how many were handed.

    A chunk per transaction: the outbox messages and the deliveries' "sent" are committed
    together, and the rows are locked (SKIP LOCKED on PostgreSQL) so two workers never take the
    same delivery. An SMS refused by the caps fails with the reason; the portal still shows it.
    """
    now = now or timezone.now()
    user_model = get_user_model()
    sent = 0
    done = 0
    with translation.override(settings.LANGUAGE_CODE):
        while limit is None or done < limit:
            with transaction.atomic():
                due = Delivery.objects.filter(
                    status=Delivery.Status.QUEUED, deliver_after__lte=now
                ).order_by("deliver_after", "pk")
                if connection.features.has_select_for_update_skip_locked:
                    due = due.select_for_update(skip_locked=True, of=("self",))
                deliveries = list(due[:CHUNK])
                if not deliveries:
                    break
                notifications = Notification.objects.in_bulk(
                    [d.notification_id for d in deliveries]
                )
                users = {
                    u["pk"]: u
                    for u in user_model.objects.filter(
                        pk__in={n.user_id for n in notifications.values()}
                    ).values("pk", "email", "phone", "is_active")
                }
                emails: list[Delivery] = []
                to_queue: list[EmailToQueue] = []
                others: list[Delivery] = []
                for delivery in deliveries:
                    notification = notifications[delivery.notification_id]
                    user = users.get(notification.user_id)
                    if user is None or not user["is_active"]:
                        delivery.status, delivery.error = Delivery.Status.FAILED, "inactive"
                    elif delivery.channel == Channel.EMAIL:
                        emails.append(delivery)
                        to_queue.append(_email(notification, user["email"] or ""))
                        continue
                    else:
                        _send_sms(delivery, notification, user["phone"])
                    others.append(delivery)
                queue_emails(to_queue)
                # The e-mails are found in the outbox by their template (the announcement's or
                # the kind's), so their deliveries move on in one UPDATE, not a CASE per row.
                Delivery.objects.filter(pk__in=[d.pk for d in emails]).update(
                    status=Delivery.Status.SENT, sent_at=now
                )
                for delivery in others:
                    Delivery.objects.filter(pk=delivery.pk).update(
                        status=delivery.status,
                        message_id=delivery.message_id,
                        error=delivery.error,
                        sent_at=now,
                    )
            finished = emails + [d for d in others if d.status == Delivery.Status.SENT]
            sent += len(finished)
            done += len(deliveries)
    return sent


def _send_sms(delivery: Delivery, notification: Notification, phone: str | None) -> None:
    if not phone:
        delivery.status, delivery.error = Delivery.Status.FAILED, "no_phone"
        return
    described = describe(notification)
    try:
        with transaction.atomic():
            message = send_sms(
                to=phone,
                template="notification",
                context={"title": described.title, "text": described.text},
            )
    except DeliveryRefused as refused:
        logger.warning("Notification SMS %s refused: %s", delivery.pk, refused.reason)
        delivery.status, delivery.error = Delivery.Status.FAILED, refused.reason
        return
    except ValueError:
        delivery.status, delivery.error = Delivery.Status.FAILED, "bad_phone"
        return
    delivery.status, delivery.message_id = Delivery.Status.SENT, message.pk


# --- reading ----------------------------------------------------------------------------------


def mark_read(*, user: Any, notification_ids: Sequence[int]) -> int:
    """Mark the user's own notifications among ``notification_ids`` read; how many changed.
    Ids of someone else's notifications change nothing (and say nothing)."""
    with transaction.atomic():
        changed = Notification.objects.filter(
            user_id=user.pk, pk__in=list(notification_ids), read_at__isnull=True
        ).update(read_at=timezone.now())
        if changed:
            versions.bump_for_user(user.pk)
            forget_unread([user.pk])
    return changed


def mark_all_read(*, user: Any, account_id: int | None = None) -> int:
    """Mark every unread notification of the user (of one account, when given) read."""
    unread = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if account_id is not None:
        unread = unread.filter(account_id=account_id)
    with transaction.atomic():
        changed = unread.update(read_at=timezone.now())
        if changed:
            versions.bump_for_user(user.pk)
            forget_unread([user.pk])
    return changed


# --- subscriptions ----------------------------------------------------------------------------


def update_subscriptions(*, user: Any, choices: dict[tuple[str, str], bool]) -> int:
    """Save the user's channel choices, ``(kind, channel) → enabled``; how many changed."""
    for kind, channel in choices:
        if kind not in SUBSCRIBABLE or channel not in Channel.values:
            raise ServiceError(
                "validation_error",
                _("Неизвестный вид уведомления или канал: %(kind)s/%(channel)s.")
                % {"kind": kind, "channel": channel},
                field="subscriptions",
            )
    with transaction.atomic():
        current = _choices([user.pk])
        changed = {
            (kind, channel): enabled
            for (kind, channel), enabled in choices.items()
            if wants(current, user.pk, kind, channel) != enabled
        }
        now = timezone.now()
        for (kind, channel), enabled in changed.items():
            Subscription.objects.update_or_create(
                user_id=user.pk,
                kind=kind,
                channel=channel,
                defaults={"enabled": enabled, "updated_at": now},
            )
        if changed:
            record(
                actor=user,
                action=Action.NOTIFICATION_SUBSCRIPTIONS_UPDATED,
                obj=None,
                changes={f"{kind}/{channel}": on for (kind, channel), on in changed.items()},
            )
    return len(changed)


def unsubscribe(*, token: str) -> tuple[Any, str]:
    """Turn off the e-mails of one kind for the user the signed ``token`` names; (user, kind).

    The link in every notification e-mail works without a login: the signature, not a session,
    says whose it is. Idempotent; raises ServiceError("bad_token") for a forged or broken one.
    """
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user_id, kind = int(data["u"]), str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ServiceError(
            "bad_token", _("Ссылка для отписки неверна. Настройте уведомления в профиле.")
        ) from None
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or kind not in SUBSCRIBABLE:
        raise ServiceError(
            "bad_token", _("Ссылка для отписки неверна. Настройте уведомления в профиле.")
        )
    with transaction.atomic():
        Subscription.objects.update_or_create(
            user_id=user.pk,
            kind=kind,
            channel=Channel.EMAIL,
            defaults={"enabled": False, "updated_at": timezone.now()},
        )
        record(
            actor=user,
            action=Action.NOTIFICATION_UNSUBSCRIBED,
            obj=None,
            kind=kind,
            channel="email",
        )
    return user, kind


# --- announcements ----------------------------------------------------------------------------


def create_announcement(
    *, staff: Any, supplier: Supplier, topic: str, title: str, text: str
) -> Announcement:
    """Write a staff announcement and queue its fan-out to the supplier's customers."""
    title, text = title.strip(), text.strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Укажите заголовок.")
    if not text:
        errors["text"] = _("Напишите текст объявления.")
    if topic not in Announcement.Topic.values:
        errors["topic"] = _("Выберите тему.")
    if errors:
        raise ServiceError("validation_error", _("Проверьте поля объявления."), errors)
    with transaction.atomic():
        announcement = Announcement.objects.create(
            supplier=supplier, topic=topic, title=title[:160], text=text[:2000], created_by=staff
        )
        record(
            actor=staff,
            action=Action.ANNOUNCEMENT_CREATED,
            obj=announcement,
            supplier_id=supplier.pk,
            title=announcement.title,
        )
        announcement_id = announcement.pk
        transaction.on_commit(lambda: _queue_fan_out(announcement_id))
    return announcement


def _queue_fan_out(announcement_id: int) -> None:
    from kabinet.notifications.tasks import fan_out_announcement

    fan_out_announcement(announcement_id)


def delivery_progress(announcement_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per announcement: notifications raised, and deliveries queued, sent and failed (a
    delivery handed to the outbox counts by its message's outcome)."""
    progress: dict[int, dict[str, int]] = defaultdict(
        lambda: {"raised": 0, "queued": 0, "sent": 0, "failed": 0}
    )
    for announcement_id, count in (
        Notification.objects.filter(announcement_id__in=announcement_ids)
        .values_list("announcement_id")
        .annotate(n=Count("pk"))
        .values_list("announcement_id", "n")
    ):
        progress[announcement_id]["raised"] = count
    # Deliveries not handed to the outbox yet (quiet hours) or refused before it (SMS caps),
    # and the SMS handed to it, whose outcome is their message's.
    outcome_of: dict[str, str] = {
        OutgoingMessage.Status.QUEUED: "queued",
        OutgoingMessage.Status.SENDING: "queued",
        OutgoingMessage.Status.SENT: "sent",
        OutgoingMessage.Status.FAILED: "failed",
    }
    rows = list(
        Delivery.objects.filter(notification__announcement_id__in=announcement_ids)
        .exclude(status=Delivery.Status.SENT, channel=Channel.EMAIL)
        .values_list("notification__announcement_id", "status", "message_id")
    )
    outcomes = dict(
        OutgoingMessage.objects.filter(pk__in=[m for *_rest, m in rows if m]).values_list(
            "pk", "status"
        )
    )
    for announcement_id, status, message_id in rows:
        state = status
        if status == Delivery.Status.SENT:
            outcome = outcomes.get(message_id, "") if message_id else ""
            state = outcome_of.get(outcome, "queued")
        progress[announcement_id][state] += 1
    # The e-mails handed to the outbox, by their template (``email_template``).
    templates = {f"announcement_{a}": a for a in announcement_ids}
    for template, status, count in (
        OutgoingMessage.objects.filter(template__in=list(templates))
        .values_list("template", "status")
        .annotate(n=Count("pk"))
        .values_list("template", "status", "n")
    ):
        state = outcome_of.get(str(status), "")
        if state:
            progress[templates[template]][state] += count
    return {a: dict(progress[a]) for a in announcement_ids}


def announcement_rows(announcement: Announcement) -> Iterator[Notification]:
    """One notification per customer linked to an open account of the announcement's supplier."""
    links = (
        AccountLink.objects.filter(
            account__supplier_id=announcement.supplier_id,
            account__status=Account.Status.OPEN,
        )
        .order_by("pk")
        .values_list("user_id", "account_id")
    )
    payload = {"title": announcement.title, "text": announcement.text, "topic": announcement.topic}
    for user_id, account_id in links.iterator(chunk_size=CHUNK):
        yield Notification(
            user_id=user_id,
            account_id=account_id,
            kind=Kind.ANNOUNCEMENT,
            key=f"announcement:{announcement.pk}",
            payload=payload,
            announcement_id=announcement.pk,
        )


def fan_out(announcement: Announcement, *, now: dt.datetime | None = None) -> int:
    """Raise the announcement's notifications (resumable: done ones conflict and are skipped)
    and mark it fanned out."""
    now = now or timezone.now()
    created = raise_notifications(announcement_rows(announcement))
    Announcement.objects.filter(pk=announcement.pk).update(fanned_out_at=now)
    return created


# Kept for the receivers of core's customer_event: one event, one notification.
def raise_event(
    *,
    kind: str,
    user_id: int | None,
    account_id: int | None,
    key: str,
    payload: dict[str, Any],
) -> None:
    if user_id is None or kind not in Kind.values:
        return
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id, account_id=account_id, kind=kind, key=key[:64], payload=payload
            )
        ],
        ignore_conflicts=True,
    )
    versions.bump_for_user(user_id)
    forget_unread([user_id])
