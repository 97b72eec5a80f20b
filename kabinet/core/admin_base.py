"""Base ModelAdmin classes for the back office."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from kabinet.core.accounts import normalize_account_number


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """A record the system writes (import log, audit trail): staff look at it and never edit it.

    Without add and change permission Django shows the change page as a view page without
    a save button and rejects a POST with 403, for superusers too.
    """

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class LargeTableModelAdmin(admin.ModelAdmin):
    """For tables that reach 100k+ rows in production (accounts, charges, readings, payments).

    The changelist counts the filtered rows only, not the whole table as well, and never offers
    facet counts, which would run a COUNT per filter choice over the table on every page.
    """

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


class AccountSearchModelAdmin(LargeTableModelAdmin):
    """Search that also matches an account number typed as printed on a bill.

    Staff paste «л/с № 00123-456» from a scanned bill or a customer's letter; Django's own
    search splits that into words and finds nothing. The term is normalised the way imports
    normalise numbers and matched exactly, on top of the usual search.
    """

    account_number_lookup = "account__number"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        number = normalize_account_number(search_term) if search_term.strip() else ""
        if number:
            results = results | queryset.filter(**{self.account_number_lookup: number})
        return results, may_have_duplicates
