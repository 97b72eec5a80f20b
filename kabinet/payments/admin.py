"""Back office for payments and their split between recipients."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kabinet.payments.models import Payment, PaymentSplit
from kabinet.staff.columns import account_link, money_column
from kabinet.staff.model_admins import AccountSearchModelAdmin


class PaymentSplitInline(admin.TabularInline):
    model = PaymentSplit
    fields = ("supplier", "service", "amount")
    extra = 0


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
    )
    autocomplete_fields = ("account",)
    list_select_related = ("account",)
    readonly_fields = ("created_at",)
    inlines = [PaymentSplitInline]
    fieldsets = (
        (None, {"fields": ("account", "amount", "status")}),
        (_("Откуда"), {"fields": ("source", "channel", "agent_name", "external_id")}),
        (_("Даты"), {"fields": ("paid_at", "created_at")}),
    )

    @admin.display(description=_("лицевой счёт"), ordering="account__number")
    def account_column(self, payment: Payment) -> str | None:
        return account_link(payment.account)

    @admin.display(description=_("владелец"), ordering="account__owner_name")
    def owner(self, payment: Payment) -> str:
        return payment.account.owner_name

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Money received is never lost from the record (DESIGN); a refund is a status.
        return False
