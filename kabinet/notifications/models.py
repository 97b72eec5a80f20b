"""Notifications: what a customer must know, the deliveries of each by e-mail and SMS, the
customer's subscriptions, and staff announcements.

A notification is one row per recipient (the user) and, for account events, per account; it is
made unique by (kind, account, user, key), where the key names the period or the event (the
bill's period, the meter and its due date, the payment). The rules that raise notifications
insert with ON CONFLICT DO NOTHING, so running a rule twice — or two workers running it at once —
raises each notification once, and the constraint, not a check before the insert, says so.

A delivery is one channel of one notification (e-mail or SMS), written when the notification is
dispatched and moved to "sent" in the same transaction that writes the outgoing message: a
crash between the two leaves it queued, and the next run sends it, once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import Account, Supplier


class Kind(models.TextChoices):
    NEW_BILL = "new_bill", _("Новая квитанция")
    DEBT = "debt", _("Задолженность")
    DEBT_OVERDUE = "debt_overdue", _("Просроченная задолженность")
    READINGS_OPEN = "readings_open", _("Открыт приём показаний")
    READINGS_CLOSING = "readings_closing", _("Заканчивается приём показаний")
    VERIFICATION_DUE = "verification_due", _("Скоро поверка счётчика")
    VERIFICATION_EXPIRED = "verification_expired", _("Истёк срок поверки счётчика")
    PAYMENT_SUCCEEDED = "payment_succeeded", _("Платёж прошёл")
    PAYMENT_FAILED = "payment_failed", _("Платёж не прошёл")
    APPEAL_ANSWERED = "appeal_answered", _("Ответ на обращение")
    REQUEST_STATUS = "request_status", _("Статус заявки изменён")
    DOCUMENT_REVIEWED = "document_reviewed", _("Документы рассмотрены")
    ANNOUNCEMENT = "announcement", _("Объявление поставщика")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


# Support e-mails or texts the customer itself when it answers an appeal, moves a request or
# reviews documents; these kinds are shown in the portal only, so nothing arrives twice.
PORTAL_ONLY = frozenset({Kind.APPEAL_ANSWERED, Kind.REQUEST_STATUS, Kind.DOCUMENT_REVIEWED})
# The kinds a customer can choose channels for, in the order the profile page lists them.
SUBSCRIBABLE = tuple(kind for kind in Kind if kind not in PORTAL_ONLY)
# Without a choice of their own, customers get e-mails and no SMS.
DEFAULTS = {Channel.EMAIL: True, Channel.SMS: False}


class Announcement(models.Model):
    """A message staff send to every customer of a supplier: a planned outage, a tariff change.

    Written by staff; the fan-out job raises one notification per linked customer and account,
    chunk by chunk, and ``fanned_out_at`` marks the run finished (a crash before it resumes).
    """

    class Topic(models.TextChoices):
        OUTAGE = "outage", _("Плановое отключение")
        TARIFF = "tariff", _("Изменение тарифов")
        OTHER = "other", _("Другое")

    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("поставщик"),
        on_delete=models.CASCADE,
        related_name="announcements",
    )
    topic = models.CharField(_("тема"), max_length=12, choices=Topic.choices)
    title = models.CharField(_("заголовок"), max_length=160)
    text = models.TextField(_("текст"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("автор"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("создано"), default=timezone.now)
    fanned_out_at = models.DateTimeField(_("разослано"), null=True, blank=True)

    class Meta:
        verbose_name = _("объявление")
        verbose_name_plural = _("объявления")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    """Something one customer must know, about one of their accounts or about them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("пользователь"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("лицевой счёт"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    kind = models.CharField(_("вид"), max_length=24, choices=Kind.choices)
    # What makes the event one: the period ("2026-12"), the meter and its due date, the payment.
    key = models.CharField(_("ключ"), max_length=64)
    # What the text and the action button need, read when the notification is shown (so it is
    # shown in the reader's language): amounts as strings, dates as ISO strings, ids.
    payload = models.JSONField(_("данные"), default=dict, blank=True)
    announcement = models.ForeignKey(
        Announcement,
        verbose_name=_("объявление"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("создано"), default=timezone.now)
    read_at = models.DateTimeField(_("прочитано"), null=True, blank=True)
    # Set when the deliveries by e-mail and SMS were decided; empty ones are the dispatch job's
    # work (a crash between raising and dispatching is resumed from here).
    dispatched_at = models.DateTimeField(_("разослано"), null=True, blank=True)

    class Meta:
        verbose_name = _("уведомление")
        verbose_name_plural = _("уведомления")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # NULLs are distinct in a unique index: user-level notifications get their own.
            models.UniqueConstraint(
                fields=["kind", "account", "user", "key"],
                condition=Q(account__isnull=False),
                name="notification_account_event_unique",
            ),
            models.UniqueConstraint(
                fields=["kind", "user", "key"],
                condition=Q(account__isnull=True),
                name="notification_user_event_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_created_idx"),
            models.Index(
                fields=["user", "account"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(
                fields=["id"],
                condition=Q(dispatched_at__isnull=True),
                name="notification_undispatched_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.key})"


class Delivery(models.Model):
    """One channel of one notification: queued until its time (after quiet hours), then sent
    (handed to the outbox, whose message carries the provider's outcome) or failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("В очереди")
        SENT = "sent", _("Отправлено")
        FAILED = "failed", _("Не отправлено")

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("уведомление"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("канал"), max_length=8, choices=Channel.choices)
    status = models.CharField(
        _("статус"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    # Not before this moment: the end of the recipient's quiet hours.
    deliver_after = models.DateTimeField(_("не раньше"), default=timezone.now)
    # The outbox row (kabinet.messaging.OutgoingMessage) of an SMS; e-mails are found there by
    # their template (services.email_template).
    message_id = models.BigIntegerField(_("сообщение"), null=True, blank=True)
    error = models.CharField(_("причина"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("создано"), default=timezone.now)
    sent_at = models.DateTimeField(_("отправлено"), null=True, blank=True)

    class Meta:
        verbose_name = _("доставка уведомления")
        verbose_name_plural = _("доставки уведомлений")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_channel_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["deliver_after"],
                condition=Q(status="queued"),
                name="delivery_queued_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.get_status_display()}"


class Subscription(models.Model):
    """A customer's choice for one kind and channel; without a row the default applies
    (e-mail on, SMS off)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("пользователь"),
        on_delete=models.CASCADE,
        related_name="notification_subscriptions",
    )
    kind = models.CharField(_("вид"), max_length=24, choices=Kind.choices)
    channel = models.CharField(_("канал"), max_length=8, choices=Channel.choices)
    enabled = models.BooleanField(_("включено"))
    updated_at = models.DateTimeField(_("изменено"), default=timezone.now)

    class Meta:
        verbose_name = _("подписка на уведомления")
        verbose_name_plural = _("подписки на уведомления")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="subscription_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.channel}: {self.enabled}"
