"""Back office for meters and readings.

Readings are the biggest table after charges (a row per meter a month): the changelist joins
the meter and account it shows and skips the unfiltered total count.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kabinet.core.admin_base import AccountSearchModelAdmin
from kabinet.core.admin_columns import (
    account_columns,
    changelist_link,
    period_column,
    reading,
)
from kabinet.core.admin_filters import PeriodListFilter
from kabinet.metering.models import Meter, Reading
from kabinet.metering.views import photo_response


class VerificationDueFilter(admin.SimpleListFilter):
    """Meters in service whose verification (МПИ) has passed or comes soon."""

    title = _("поверка")
    parameter_name = "verification"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("overdue", _("просрочена")),
            ("30", _("в ближайшие 30 дней")),
            ("90", _("в ближайшие 90 дней")),
            ("unknown", _("дата не указана")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        today = timezone.localdate()
        # A removed meter needs no verification, so it never shows up as due.
        in_service = queryset.filter(removed_on__isnull=True)
        if value == "overdue":
            return in_service.filter(verification_due__lt=today)
        if value in {"30", "90"}:
            horizon = today + dt.timedelta(days=int(value))
            return in_service.filter(verification_due__gte=today, verification_due__lte=horizon)
        if value == "unknown":
            return in_service.filter(verification_due__isnull=True)
        return queryset


class InServiceFilter(admin.SimpleListFilter):
    title = _("состояние")
    parameter_name = "in_service"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("установлен")), ("no", _("снят"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(removed_on__isnull=True)
        if self.value() == "no":
            return queryset.filter(removed_on__isnull=False)
        return queryset


@admin.register(Meter)
class MeterAdmin(AccountSearchModelAdmin):
    list_display = (
        "serial_number",
        "account_column",
        "owner",
        "service",
        "zones",
        "capacity",
        "verification_due",
        "is_automatic",
        "removed_on",
    )
    list_filter = (
        "supplier",
        "service",
        "kind",
        "zones",
        VerificationDueFilter,
        InServiceFilter,
        "is_automatic",
    )
    search_fields = (
        "serial_number",
        "external_id",
        "account__number",
        "account__owner_name",
        "account__premises__address",
    )
    autocomplete_fields = ("account",)
    list_select_related = ("account", "service")
    readonly_fields = ("readings_link",)
    fieldsets = (
        (None, {"fields": ("supplier", "external_id", "account", "service", "kind")}),
        (
            _("Устройство"),
            {
                "fields": (
                    ("serial_number", "model"),
                    "zones",
                    ("integer_digits", "fraction_digits"),
                    "transformation_ratio",
                    "location",
                    "is_automatic",
                )
            },
        ),
        (
            _("Даты"),
            {"fields": ("installed_on", "verified_on", "verification_due", "removed_on")},
        ),
        (_("Показания"), {"fields": ("readings_link",)}),
    )

    account_column, owner = account_columns()

    @admin.display(description=_("разрядность"))
    def capacity(self, meter: Meter) -> str:
        return meter.capacity

    @admin.display(description=_("показания"))
    def readings_link(self, meter: Meter) -> str:
        if meter.pk is None:
            return self.get_empty_value_display()
        return changelist_link(
            "admin:metering_reading_changelist",
            _("Все показания прибора"),
            meter__id__exact=meter.pk,
        )


@admin.register(Reading)
class ReadingAdmin(AccountSearchModelAdmin):
    account_number_lookup = "meter__account__number"
    list_display = (
        "taken_on",
        "meter_column",
        "account_column",
        "owner",
        period_column(Reading),
        "values_display",
        "source",
        "status",
        period_column(Reading, "billed_period"),
        "submitted_at",
    )
    list_filter = (
        PeriodListFilter,
        "status",
        "source",
        "verification_overdue",
        "submitted_at",
        "meter__service",
        "meter__supplier",
    )
    search_fields = (
        "meter__serial_number",
        "account_number",
        "meter__account__number",
        "meter__account__owner_name",
        "meter__account__premises__address",
    )
    autocomplete_fields = ("meter",)
    raw_id_fields = ("submitted_by",)
    list_select_related = ("meter", "meter__account")
    readonly_fields = (
        "values_display",
        "submitted_at",
        "photo_link",
        "rollover_confirmed",
        "jump_confirmed",
        "verification_overdue",
    )
    fieldsets = (
        (None, {"fields": ("meter", "account_number", "period", "taken_on", "source")}),
        (
            _("Значения"),
            {
                "fields": (
                    "value_1",
                    "value_2",
                    "value_3",
                    "values_display",
                    ("rollover_confirmed", "jump_confirmed", "verification_overdue"),
                )
            },
        ),
        (
            _("Обработка"),
            {"fields": ("status", "reject_reason", "billed_period", "external_id")},
        ),
        (_("Получено"), {"fields": ("submitted_at", "submitted_by", "photo_link")}),
    )

    def get_urls(self) -> list[URLPattern]:
        # The photo is in private storage with no public URL: staff open it through the admin,
        # which has already checked that they are staff with the right to view readings.
        photo = path(
            "<int:reading_id>/photo/",
            self.admin_site.admin_view(self.photo_view),
            name="metering_reading_photo",
        )
        return [photo, *super().get_urls()]

    def photo_view(self, request: HttpRequest, reading_id: int) -> HttpResponseBase:
        if not self.has_view_permission(request):
            raise PermissionDenied
        reading = Reading.objects.filter(pk=reading_id).exclude(photo="").first()
        if reading is None:
            raise Http404
        return photo_response(reading)

    @admin.display(description=_("фото"))
    def photo_link(self, obj: Reading) -> str:
        if obj.pk is None or not obj.photo:
            return self.get_empty_value_display()
        url = reverse("admin:metering_reading_photo", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("Открыть"))

    @admin.display(description=_("прибор учёта"), ordering="meter__serial_number")
    def meter_column(self, obj: Reading) -> str:
        return str(obj.meter)

    account_column, owner = account_columns("meter__account")

    @admin.display(description=_("показания"))
    def values_display(self, obj: Reading) -> str:
        if obj.pk is None:
            return self.get_empty_value_display()
        digits = obj.meter.fraction_digits
        return " / ".join(filter(None, (reading(value, digits) for value in obj.values)))

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # The account page links to its readings through the meter; Django allows a filter
        # across two relations only when it is a list filter, and listing every account is not.
        if lookup == "meter__account__id__exact":
            return True
        return super().lookup_allowed(lookup, value, request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A submitted reading is never lost; a wrong one is rejected, not deleted.
        return False
