"""What the documents app records: which bill went to whom by e-mail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import Bill
from kabinet.messaging.models import OutgoingMessage


class BillMailing(models.Model):
    """One run of the monthly e-bill mailing for a period, fanned out over workers in chunks.

    Planned once (which subscribers are due, cut into chunks of consecutive account links); the
    chunks are the units a worker takes, and what the sweep re-queues when a worker dies. Its
    progress is counted from the chunks and the deliveries, never kept in counters a crash could
    leave wrong.
    """

    period = models.DateField(_("период"))
    chunk_size = models.PositiveIntegerField(_("размер пачки"))
    total = models.PositiveIntegerField(_("всего к отправке"))
    created_at = models.DateTimeField(_("запущена"), default=timezone.now)
    finished_at = models.DateTimeField(_("завершена"), null=True, blank=True)

    class Meta:
        verbose_name = _("рассылка квитанций")
        verbose_name_plural = _("рассылки квитанций")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["period", "finished_at"], name="bill_mailing_period_idx")]

    def __str__(self) -> str:
        return f"{self.period:%m.%Y} #{self.pk}"


class BillMailingChunk(models.Model):
    """Consecutive account links (by id) of a mailing, delivered by one job.

    pending: planned, not yet handed to the queue (only a few chunks are in the queue at a time,
    so the sweep can tell a lost queue entry from a long queue); queued: in the queue; running:
    claimed by a worker at `updated_at`; done. A chunk run twice sends nothing twice: each
    delivery is a BillDelivery row, unique per (bill, user), written with its e-mail.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Ожидает")
        QUEUED = "queued", _("В очереди")
        RUNNING = "running", _("Выполняется")
        DONE = "done", _("Готово")

    mailing = models.ForeignKey(
        BillMailing, verbose_name=_("рассылка"), on_delete=models.CASCADE, related_name="chunks"
    )
    first_link_id = models.BigIntegerField(_("первая привязка"))
    last_link_id = models.BigIntegerField(_("последняя привязка"))
    planned = models.PositiveIntegerField(_("запланировано"))
    status = models.CharField(
        _("статус"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("запусков"), default=0)
    # Set by every status change: the sweep re-queues a chunk whose worker went quiet.
    updated_at = models.DateTimeField(_("изменено"), default=timezone.now)
    delivered = models.PositiveIntegerField(_("передано на отправку"), default=0)
    skipped = models.PositiveIntegerField(_("пропущено"), default=0)
    failed = models.PositiveIntegerField(_("ошибок"), default=0)
    last_error = models.TextField(_("последняя ошибка"), blank=True)

    class Meta:
        verbose_name = _("пачка рассылки")
        verbose_name_plural = _("пачки рассылки")
        ordering = ["mailing", "first_link_id"]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="bill_mailing_chunk_status_idx"),
            models.Index(fields=["mailing", "status"], name="bill_mailing_chunk_run_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.mailing} [{self.first_link_id}–{self.last_link_id}]"


class BillDelivery(models.Model):
    """A bill e-mailed to a paperless subscriber, written in the same transaction as the e-mail.

    Unique per (bill, user): the monthly mailing skips what is recorded here, so a re-run or a
    run resumed after a crash never sends a bill twice.
    """

    bill = models.ForeignKey(
        Bill,
        verbose_name=_("квитанция"),
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,  # served by the unique (bill, user) index
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("пользователь"),
        on_delete=models.CASCADE,
        related_name="bill_deliveries",
    )
    sent_at = models.DateTimeField(_("отправлено"), auto_now_add=True)
    message = models.ForeignKey(
        OutgoingMessage,
        verbose_name=_("сообщение"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The mailing run that wrote it (none for a bill e-mailed on request): its progress counts.
    mailing = models.ForeignKey(
        BillMailing,
        verbose_name=_("рассылка"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )

    class Meta:
        verbose_name = _("отправка квитанции")
        verbose_name_plural = _("отправки квитанций")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["bill", "user"], name="bill_delivery_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.bill} → {self.user_id}"
