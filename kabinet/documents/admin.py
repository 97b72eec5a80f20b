"""Staff see which bills went to whom by e-mail and how each monthly mailing is going
(read-only: the mailing jobs write them)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kabinet.documents.models import BillDelivery, BillMailing, BillMailingChunk
from kabinet.documents.selectors import mailings_with_progress, progress_of


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


@admin.register(BillDelivery)
class BillDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["bill", "user", "sent_at", "message", "mailing"]
    list_filter = ["bill__period"]
    search_fields = ["bill__account__number", "user__email"]
    raw_id_fields = ["bill", "user", "message", "mailing"]
    date_hierarchy = "sent_at"


CHUNK_FIELDS = (
    "first_link_id",
    "last_link_id",
    "planned",
    "status",
    "attempts",
    "updated_at",
    "delivered",
    "skipped",
    "failed",
    "last_error",
)
MAILING_FIELDS = ("period", "created_at", "finished_at", "chunk_size", "total", "progress")


class BillMailingChunkInline(admin.TabularInline):
    model = BillMailingChunk
    fields = CHUNK_FIELDS
    readonly_fields = CHUNK_FIELDS
    can_delete = False
    extra = 0
    max_num = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[BillMailingChunk]:
        # The chunks still to finish first: a mailing of 10⁶ bills has 20,000 of them.
        return super().get_queryset(request).exclude(status=BillMailingChunk.Status.DONE)


@admin.register(BillMailing)
class BillMailingAdmin(ReadOnlyAdmin):
    list_display = [
        "period",
        "created_at",
        "finished_at",
        "total_count",
        "queued_count",
        "sent_count",
        "failed_count",
        "skipped_count",
        "chunks_done",
    ]
    list_filter = ["period"]
    fields = MAILING_FIELDS
    readonly_fields = MAILING_FIELDS
    inlines = [BillMailingChunkInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[BillMailing]:
        return mailings_with_progress()

    @admin.display(description=_("всего"))
    def total_count(self, obj: BillMailing) -> int:
        return progress_of(obj).total

    @admin.display(description=_("в очереди"))
    def queued_count(self, obj: BillMailing) -> int:
        return progress_of(obj).queued

    @admin.display(description=_("отправлено"))
    def sent_count(self, obj: BillMailing) -> int:
        return progress_of(obj).sent

    @admin.display(description=_("ошибок"))
    def failed_count(self, obj: BillMailing) -> int:
        return progress_of(obj).failed

    @admin.display(description=_("пропущено"))
    def skipped_count(self, obj: BillMailing) -> int:
        return progress_of(obj).skipped

    @admin.display(description=_("пачек готово"))
    def chunks_done(self, obj: BillMailing) -> str:
        progress = progress_of(obj)
        return f"{progress.chunks_done} / {progress.chunks}"

    @admin.display(description=_("ход рассылки"))
    def progress(self, obj: BillMailing) -> str:
        p = progress_of(obj)
        return _(
            "всего %(total)s, в очереди %(queued)s, отправлено %(sent)s, ошибок %(failed)s, "
            "пропущено %(skipped)s; пачек готово %(done)s из %(chunks)s"
        ) % {
            "total": p.total,
            "queued": p.queued,
            "sent": p.sent,
            "failed": p.failed,
            "skipped": p.skipped,
            "done": p.chunks_done,
            "chunks": p.chunks,
        }
