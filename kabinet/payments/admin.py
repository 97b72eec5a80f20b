"""Back office for payments and their split between recipients."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabinet.core.admin_base import (
    AccountSearchModelAdmin,
    LargeTableModelAdmin,
    ReadOnlyModelAdmin,
)
from kabinet.core.admin_columns import account_columns, money_column
from kabinet.core.money import format_rubles
from kabinet.payments.forms import RefundForm
from kabinet.payments.models import (
    Payment,
    PaymentEvent,
    PaymentSplit,
    Refund,
    RefundSplit,
    SandboxPayment,
)
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


class RefundInline(admin.TabularInline):
    model = Refund
    fields = (
        "created_at",
        "amount",
        "status",
        "origin",
        "refunded_at",
        "provider_refund_id",
        "actor",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("created_at", "pk")

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
    readonly_fields = (
        "created_at",
        "updated_at",
        *CARD_FIELDS,
        "refunded_amount",
        "bill_period",
        "refund_link",
    )
    inlines = [PaymentSplitInline, RefundInline, PaymentEventInline]
    actions = ["refund"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "account",
                    "amount",
                    "status",
                    "bill_period",
                    ("refunded_amount", "refund_link"),
                )
            },
        ),
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

    @admin.display(description=_("возврат"))
    def refund_link(self, obj: Payment) -> str:
        if obj.pk is None or obj.status != Payment.Status.SUCCEEDED or obj.source != "portal":
            return self.get_empty_value_display()
        url = reverse("admin:payments_payment_refund", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Вернуть деньги…"))

    def get_urls(self) -> list[URLPattern]:
        refund = path(
            "<int:payment_id>/refund/",
            self.admin_site.admin_view(self.refund_view),
            name="payments_payment_refund",
        )
        return [refund, *super().get_urls()]

    def refund_view(self, request: HttpRequest, payment_id: int) -> HttpResponse:
        """A full or partial refund, of every line or of one recipient's, with a reason shown
        next to the field when the bank or the amount is refused."""
        payment = get_object_or_404(Payment, pk=payment_id)
        if not self.has_change_permission(request, payment):
            raise PermissionDenied
        splits = payment.splits.select_related("supplier").order_by("supplier__short_name")
        recipients = list(dict.fromkeys((s.supplier_id, str(s.supplier)) for s in splits))
        form = RefundForm(request.POST or None, recipients=recipients)
        if (
            request.method == "POST"
            and form.is_valid()
            and form.refund(payment_id=payment.pk, actor=request.user)
        ):
            payment.refresh_from_db()
            latest = payment.refunds.order_by("-pk").first()
            if latest is not None and latest.status == Refund.Status.PENDING:
                self.message_user(
                    request,
                    gettext("Возврат принят банком и ещё выполняется."),
                    messages.WARNING,
                )
            else:
                self.message_user(request, gettext("Деньги возвращены на карту."))
            return redirect("admin:payments_payment_change", payment.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Возврат платежа %(id)s") % {"id": payment.pk},
            "payment": payment,
            "paid": format_rubles(payment.amount),
            "left": format_rubles(payment.amount - payment.refunded_amount),
            "form": form,
        }
        return TemplateResponse(
            request,
            "admin/payments/payment/refund.html",
            context,
            status=400 if form.errors else 200,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Money received is never lost from the record; a refund is a status.
        return False


class RefundSplitInline(admin.TabularInline):
    model = RefundSplit
    fields = ("payment_split", "amount")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Refund)
class RefundAdmin(ReadOnlyModelAdmin, LargeTableModelAdmin):
    """Refunds as billing gets them: made from a payment's page, never edited here."""

    list_display = (
        "refunded_at",
        "payment",
        money_column(Refund, "amount"),
        "status",
        "origin",
        "provider_refund_id",
        "actor",
    )
    list_filter = ("status", "origin", "refunded_at")
    search_fields = ("=payment__id", "=payment__provider_payment_id", "=provider_refund_id")
    list_select_related = ("payment", "actor")
    inlines = [RefundSplitInline]


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
