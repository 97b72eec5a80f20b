"""Outgoing SMS and e-mail: written with the act that caused them, moved forward by a job."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutgoingMessage(models.Model):
    """One SMS or e-mail to one recipient, from "queued" to "sent" or "failed".

    The row is written in the same transaction as whatever caused it (a registration code, a bill
    e-mail), so a message exists if and only if its cause was committed. The delivery job claims it
    (queued → sending), calls the provider and records the outcome; temporary provider errors put
    it back to queued with a later `next_attempt_at`, and after the last attempt it is failed.

    With SMS_BACKEND=outbox this table is also the development outbox staff read in the admin.
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Эл. почта")

    class Status(models.TextChoices):
        QUEUED = "queued", _("В очереди")
        SENDING = "sending", _("Отправляется")
        SENT = "sent", _("Отправлено")
        FAILED = "failed", _("Не отправлено")
        # Written like any other message but never sent: its recipient has no account and must
        # not be texted, while the requester must not learn that (see services.send_sms).
        WITHHELD = "withheld", _("Без отправки")

    channel = models.CharField(_("канал"), max_length=8, choices=Channel.choices)
    to = models.CharField(_("получатель"), max_length=254)
    template = models.CharField(_("шаблон"), max_length=100)
    subject = models.CharField(_("тема"), max_length=255, blank=True)
    body = models.TextField(_("текст"))
    html_body = models.TextField(_("HTML-версия"), blank=True)
    status = models.CharField(
        _("статус"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=0)
    last_error = models.TextField(_("последняя ошибка"), blank=True)
    provider_message_id = models.CharField(_("код у провайдера"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    # Set explicitly by every status change (they are queryset updates, which skip auto_now):
    # the sweep uses it to tell a worker that is still sending from one that died mid-send.
    updated_at = models.DateTimeField(_("изменено"), default=timezone.now)
    sent_at = models.DateTimeField(_("отправлено"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("следующая попытка"), default=timezone.now)

    class Meta:
        verbose_name = _("исходящее сообщение")
        verbose_name_plural = _("исходящие сообщения")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="outgoing_status_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.to} ({self.template})"


class MessageAttachment(models.Model):
    """A file sent with an e-mail (a bill PDF), stored with the message so a retry still has it."""

    message = models.ForeignKey(
        OutgoingMessage,
        verbose_name=_("сообщение"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    filename = models.CharField(_("имя файла"), max_length=255)
    content = models.BinaryField(_("содержимое"))
    mimetype = models.CharField(_("тип"), max_length=100)

    class Meta:
        verbose_name = _("вложение")
        verbose_name_plural = _("вложения")
        ordering = ["message", "pk"]

    def __str__(self) -> str:
        return self.filename
