"""What the documents app records: which bill went to whom by e-mail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import Bill
from kabinet.messaging.models import OutgoingMessage


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

    class Meta:
        verbose_name = _("отправка квитанции")
        verbose_name_plural = _("отправки квитанций")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["bill", "user"], name="bill_delivery_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.bill} → {self.user_id}"
