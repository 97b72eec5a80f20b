"""Who may work in the staff area, and for which supplier."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffMember(models.Model):
    """A utility employee's place in the back office.

    ``supplier`` empty means the member works for every supplier (the agent's or the portal
    operator's own staff); otherwise the member sees only that supplier's customers, appeals and
    requests. The user must also have ``is_staff``: taking either away closes the staff area.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("пользователь"),
        on_delete=models.CASCADE,
        related_name="staff_member",
    )
    # PROTECT, not SET_NULL: a null supplier widens the scope to every supplier, so deleting a
    # supplier must never silently promote its staff.
    supplier = models.ForeignKey(
        "billing.Supplier",
        verbose_name=_("поставщик"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_members",
        help_text=_("Пусто — сотрудник видит всех поставщиков."),
    )
    position = models.CharField(_("должность"), max_length=120, blank=True)
    is_active = models.BooleanField(_("работает в бэк-офисе"), default=True)
    created_at = models.DateTimeField(_("добавлен"), auto_now_add=True)

    class Meta:
        verbose_name = _("сотрудник")
        verbose_name_plural = _("сотрудники")
        ordering = ["user__last_name", "user__first_name", "user__username"]

    def __str__(self) -> str:
        user = self.user
        return user.get_full_name() or user.username
