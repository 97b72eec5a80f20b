"""List filters shared by the back-office admins."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kabinet.core.periods import add_months, format_period, month_year, parse_period, period_of


class PeriodListFilter(admin.SimpleListFilter):
    """The last months as billing periods.

    The choices are computed from today, not read from the table: a DISTINCT over millions of
    charges or readings on every changelist page would cost more than the page itself.
    Any other period still works from the address bar (``?period=2023-05``).
    """

    title = _("период")
    parameter_name = "period"
    field_name = "period"
    months = 13

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        current = period_of(timezone.localdate())
        periods = [add_months(current, -back) for back in range(self.months)]
        return [(format_period(p), capfirst(month_year(p))) for p in periods]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        try:
            period = parse_period(value)
        except ValueError:
            return queryset.none()
        return queryset.filter(**{self.field_name: period})
