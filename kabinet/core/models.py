from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.fields import person_field


class AuditEntry(models.Model):
    """One row per act of a customer or staff member, written in the act's transaction."""

    at = models.DateTimeField(_("когда"), auto_now_add=True, db_index=True)
    actor = person_field(_("кто"))
    actor_label = models.CharField(_("кто (текстом)"), max_length=150, blank=True)
    action = models.CharField(_("действие"), max_length=64, db_index=True)
    object_type = models.CharField(_("тип объекта"), max_length=64, blank=True)
    object_id = models.CharField(_("id объекта"), max_length=64, blank=True)
    # The supplier a staff act concerns, for the staff journal's scope. A plain id, not a
    # foreign key: core sits below billing, and the log outlives a deleted supplier.
    supplier_id = models.IntegerField(_("id поставщика"), null=True, blank=True, db_index=True)
    data = models.JSONField(_("данные"), default=dict, blank=True)

    class Meta:
        verbose_name = _("запись журнала")
        verbose_name_plural = _("журнал действий")
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class RateCounter(models.Model):
    """A fixed-window counter of the rate limiter when no Redis is configured (core.ratelimit).

    One row per key: the count and the end of its window. Rows are counted with an atomic
    UPDATE … SET count = count + 1 so every worker and machine sees the same number; expired
    rows are reused by the next event and swept by a periodic job.
    """

    # "ratelimit:" and an HMAC-SHA256 hex digest: no phone, e-mail or IP in the clear.
    key = models.CharField(_("ключ"), max_length=80, primary_key=True)
    count = models.PositiveIntegerField(_("счёт"), default=0)
    expires_at = models.DateTimeField(_("окно до"), db_index=True)

    class Meta:
        verbose_name = _("счётчик ограничения")
        verbose_name_plural = _("счётчики ограничений")

    def __str__(self) -> str:
        return f"{self.key} {self.count}"
