"""Staff see which bills went to whom by e-mail (read-only: the mailing job writes them)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from kabinet.documents.models import BillDelivery


@admin.register(BillDelivery)
class BillDeliveryAdmin(admin.ModelAdmin):
    list_display = ["bill", "user", "sent_at", "message"]
    list_filter = ["bill__period"]
    search_fields = ["bill__account__number", "user__email"]
    raw_id_fields = ["bill", "user", "message"]
    date_hierarchy = "sent_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: BillDelivery | None = None) -> bool:
        return False
