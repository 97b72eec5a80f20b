"""Back office for payments and their split between recipients."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kabinet.core.admin_base import (
    AccountSearchModelAdmin,
    LargeTableModelAdmin,
    ReadOnlyModelAdmin,
)
from kabinet.core.admin_columns import account_columns, money_column
from kabinet.payments.models import Payment, PaymentEvent, PaymentSplit, SandboxPayment
from kabinet.payments.services import PaymentError, refund_payment


class PaymentSplitInline(admin.TabularInline):
    model = PaymentSplit
    fields = ("supplier", "service", "amount")
    extra = 0


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    fields = ("at", "kind", "status_before", "status_after", "provider_status", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("at", "pk")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# What the card provider told us about a card payment: shown in one section, never edited by hand.
CARD_FIELDS = (
    "provider",
    "provider_payment_id",
    "idempotency_key",
    "confirmation_url",
    "failure_code",
    "failure_message",
    "receipt_email",
    "receipt_phone",
    "user",
    "lines",
)


@admin.register(Payment)
class PaymentAdmin(AccountSearchModelAdmin):
    list_display = (
        "paid_at",
        "account_column",
        "owner",
        money_column(Payment, "amount"),
        "channel",
        "source",
        "status",
        "agent_name",
        "external_id",
    )
    list_filter = ("status", "channel", "source", "paid_at", "account__supplier")
    search_fields = (
        "account__number",
        "account__owner_name",
        "account__premises__address",
        "=external_id",
        "=provider_payment_id",
    )
    autocomplete_fields = ("account",)
    list_select_related = ("account",)
    readonly_fields = ("created_at", "updated_at", *CARD_FIELDS, "refunded_amount")
    inlines = [PaymentSplitInline, PaymentEventInline]
    actions = ["refund"]
    fieldsets = (
        (None, {"fields": ("account", "amount", "status", "refunded_amount")}),
        (_("Откуда"), {"fields": ("source", "channel", "agent_name", "external_id")}),
        (_("Оплата картой"), {"fields": CARD_FIELDS}),
        (_("Даты"), {"fields": ("paid_at", "created_at", "updated_at")}),
    )

    @admin.action(description=_("Вернуть деньги на карту (полностью)"))
    def refund(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        for payment in queryset:
            try:
                refund_payment(payment_id=payment.pk, actor=request.user)
            except PaymentError as error:
                self.message_user(request, f"{payment.pk}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, _("Платёж %(id)s возвращён.") % {"id": payment.pk})

    account_column, owner = account_columns()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Money received is never lost from the record; a refund is a status.
        return False


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyModelAdmin, LargeTableModelAdmin):
    list_display = (
        "at",
        "payment",
        "kind",
        "status_before",
        "status_after",
        "provider_status",
        "note",
    )
    list_filter = ("kind", "at")
    search_fields = ("=payment__id", "=payment__provider_payment_id", "payment__account__number")
    list_select_related = ("payment",)


@admin.register(SandboxPayment)
class SandboxPaymentAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "token", "amount", "status", "failure_code", "card_last4")
    list_filter = ("status",)
    search_fields = ("=token",)
