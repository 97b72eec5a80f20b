"""Back office view of the audit log: read-only, since it is the record of who did what."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kabinet.core.admin_base import LargeTableModelAdmin, ReadOnlyModelAdmin
from kabinet.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin, LargeTableModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id")
    # A date filter costs no query; a filter by action would scan the whole log for its values.
    list_filter = ("at",)
    search_fields = ("action", "actor_label", "object_type", "=object_id")
    raw_id_fields = ("actor",)
    readonly_fields = ("at", "data_display")
    fields = (
        "at",
        "actor",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "supplier_id",
        "data_display",
    )

    @admin.display(description=_("данные"))
    def data_display(self, entry: AuditEntry) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(entry.data, ensure_ascii=False, indent=2, default=str)
        )
