"""Money received for an account: through the portal, or by another channel reported by billing."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import Account, Service, Supplier
from kabinet.core.fields import money_field


class Payment(models.Model):
    """A payment for an account, split between recipient suppliers by PaymentSplit rows."""

    class Channel(models.TextChoices):
        PORTAL_CARD = "portal_card", _("Картой в личном кабинете")
        BANK = "bank", _("Банк")
        ONLINE_BANK = "online_bank", _("Интернет-банк")
        POST = "post", _("Почта России")
        CASHIER = "cashier", _("Касса")
        TERMINAL = "terminal", _("Терминал")
        OTHER = "other", _("Другое")

    class Source(models.TextChoices):
        PORTAL = "portal", _("Личный кабинет")
        BILLING = "billing", _("Загружен из биллинга")

    class Status(models.TextChoices):
        CREATED = "created", _("Создан")
        PENDING = "pending", _("Ожидает оплаты")
        SUCCEEDED = "succeeded", _("Оплачен")
        CANCELED = "canceled", _("Отменён")
        REFUNDED = "refunded", _("Возвращён")

    account = models.ForeignKey(
        Account,
        verbose_name=_("лицевой счёт"),
        on_delete=models.PROTECT,
        related_name="payments",
        db_index=False,  # served by the (account, paid_at) index
    )
    source = models.CharField(_("источник"), max_length=8, choices=Source.choices)
    channel = models.CharField(_("способ"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("статус"), max_length=12, choices=Status.choices, default=Status.CREATED
    )
    amount = money_field(_("сумма, ₽"))
    paid_at = models.DateTimeField(_("дата оплаты"), null=True, blank=True)
    agent_name = models.CharField(_("банк / агент"), max_length=160, blank=True)
    external_id = models.CharField(_("код в биллинге"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    class Meta:
        verbose_name = _("платёж")
        verbose_name_plural = _("платежи")
        ordering = ["-paid_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="payment_external_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["account", "-paid_at"], name="payment_account_date_idx")]

    def __str__(self) -> str:
        return f"{self.amount} ₽ {self.get_channel_display()}"


class PaymentSplit(models.Model):
    """The part of a payment that goes to one recipient supplier; parts add up to the payment."""

    payment = models.ForeignKey(
        Payment,
        verbose_name=_("платёж"),
        on_delete=models.CASCADE,
        related_name="splits",
        db_index=False,
    )
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("получатель"), on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("услуга"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    amount = money_field(_("сумма, ₽"))

    class Meta:
        verbose_name = _("часть платежа")
        verbose_name_plural = _("части платежа")
        constraints = [
            models.UniqueConstraint(fields=["payment", "supplier"], name="payment_split_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_split_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.supplier_id}: {self.amount}"
