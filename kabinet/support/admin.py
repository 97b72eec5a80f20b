"""Admin for the support app: staff edit the catalog, request types, FAQ and contacts here;
requests, appeals and documents are answered in the staff area (kabinet.staff), so here they are
shown read-only with their history and attachments."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from kabinet.core.admin_base import LargeTableModelAdmin, ReadOnlyModelAdmin
from kabinet.support.models import (
    Appeal,
    AppealMessage,
    Attachment,
    CatalogCategory,
    CatalogItem,
    FaqCategory,
    FaqQuestion,
    RequestType,
    ServiceRequest,
    ServiceRequestEvent,
    SocialNormDocument,
    SupportContact,
)


class ReadOnlyInline(admin.TabularInline):
    """Rows of an item's history or files: shown with the item, never edited there."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return self.fields

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(CatalogCategory)
class CatalogCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "supplier", "sort_order"]
    list_filter = ["supplier"]
    search_fields = ["name"]


@admin.register(CatalogItem)
class CatalogItemAdmin(admin.ModelAdmin):
    list_display = ["name", "supplier", "category", "price", "unit", "is_active", "sort_order"]
    list_filter = ["supplier", "is_active"]
    list_select_related = ["supplier", "category"]
    search_fields = ["name", "code", "description"]


@admin.register(RequestType)
class RequestTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "supplier", "requires_meter", "is_active", "sort_order"]
    list_filter = ["supplier", "is_active"]
    list_select_related = ["supplier"]
    search_fields = ["name"]


class RequestEventInline(ReadOnlyInline):
    model = ServiceRequestEvent
    fields = ["at", "status", "comment", "actor", "actor_is_staff"]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["original_name", "content_type", "size", "uploaded_by", "created_at"]


class RequestAttachmentInline(AttachmentInline):
    fk_name = "service_request"


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ReadOnlyModelAdmin, LargeTableModelAdmin):
    list_display = [
        "number",
        "created_at",
        "supplier",
        "account",
        "request_type",
        "catalog_item",
        "desired_date",
        "status",
        "assigned_to",
    ]
    list_filter = ["status", "supplier"]
    list_select_related = [
        "supplier",
        "account",
        "request_type",
        "catalog_item",
        "assigned_to",
    ]
    search_fields = ["number", "account__number", "user__last_name", "user__phone", "reason"]
    raw_id_fields = ["user", "account", "assigned_to"]
    date_hierarchy = "created_at"
    inlines = [RequestEventInline, RequestAttachmentInline]


@admin.register(ServiceRequestEvent)
class ServiceRequestEventAdmin(ReadOnlyModelAdmin, LargeTableModelAdmin):
    list_display = ["request", "at", "status", "actor", "actor_is_staff"]
    list_select_related = ["request", "actor"]
    search_fields = ["request__number", "comment"]


class AppealMessageInline(ReadOnlyInline):
    model = AppealMessage
    fields = ["created_at", "author", "is_staff", "text"]


class AppealAttachmentInline(AttachmentInline):
    fk_name = "appeal"


@admin.register(Appeal)
class AppealAdmin(ReadOnlyModelAdmin, LargeTableModelAdmin):
    list_display = [
        "number",
        "created_at",
        "supplier",
        "account",
        "topic",
        "status",
        "assigned_to",
        "customer_unread",
    ]
    list_filter = ["status", "topic", "supplier"]
    list_select_related = ["supplier", "account", "assigned_to"]
    search_fields = ["number", "account__number", "user__last_name", "user__phone", "text"]
    date_hierarchy = "created_at"
    inlines = [AppealAttachmentInline, AppealMessageInline]


@admin.register(AppealMessage)
class AppealMessageAdmin(ReadOnlyModelAdmin, LargeTableModelAdmin):
    list_display = ["appeal", "created_at", "author", "is_staff"]
    list_select_related = ["appeal", "author"]
    search_fields = ["appeal__number", "text"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyModelAdmin, LargeTableModelAdmin):
    list_display = ["original_name", "content_type", "size", "uploaded_by", "created_at"]
    list_select_related = ["uploaded_by"]
    search_fields = ["original_name", "sha256"]
    # The file itself is served by the staff area after its supplier check, never by a link here.
    exclude = ["file"]


@admin.register(SocialNormDocument)
class SocialNormDocumentAdmin(ReadOnlyModelAdmin, LargeTableModelAdmin):
    list_display = ["created_at", "supplier", "account", "kind", "status", "reviewed_by"]
    list_filter = ["status", "kind", "supplier"]
    list_select_related = ["supplier", "account", "reviewed_by"]
    search_fields = ["account__number", "user__last_name", "user__phone"]


class FaqQuestionInline(admin.StackedInline):
    model = FaqQuestion
    extra = 0
    fields = ["question", "answer", "is_published", "sort_order"]


@admin.register(FaqCategory)
class FaqCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "supplier", "sort_order"]
    list_filter = ["supplier"]
    list_select_related = ["supplier"]
    search_fields = ["name"]
    inlines = [FaqQuestionInline]


@admin.register(FaqQuestion)
class FaqQuestionAdmin(admin.ModelAdmin):
    list_display = ["question", "category", "is_published", "sort_order"]
    list_filter = ["is_published", "category__supplier"]
    list_select_related = ["category"]
    search_fields = ["question", "answer"]


@admin.register(SupportContact)
class SupportContactAdmin(admin.ModelAdmin):
    list_display = ["title", "supplier", "kind", "phone", "address", "hours", "sort_order"]
    list_filter = ["supplier", "kind"]
    list_select_related = ["supplier"]
    search_fields = ["title", "address", "phone"]
