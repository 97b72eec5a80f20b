"""Back office for what billing sends: suppliers, premises, accounts, tariffs, charges, bills.

Accounts, premises, charges and bills run to 100k+ rows in production: foreign keys to them use
autocomplete widgets, changelists join what they show (a constant number of queries per page)
and skip the unfiltered total count.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from kabinet.billing import versions
from kabinet.billing.models import (
    Account,
    AccountInvitation,
    AccountLink,
    Bill,
    BillSection,
    Branch,
    Charge,
    ImportBatch,
    MarketingSubscription,
    Premises,
    Service,
    Supplier,
    Tariff,
)
from kabinet.core.admin_base import (
    AccountSearchModelAdmin,
    LargeTableModelAdmin,
    ReadOnlyModelAdmin,
)
from kabinet.core.admin_columns import (
    account_columns,
    changelist_link,
    money_column,
    period_column,
)
from kabinet.core.admin_filters import PeriodListFilter

ACCOUNT_SEARCH_FIELDS = ("account__number", "account__owner_name", "account__premises__address")


class VersionedAdmin(admin.ModelAdmin):
    """An admin of rows the account pages print: a save or delete moves the versions of the
    accounts that show the row (``bump_versions``), in the admin's transaction."""

    def bump_versions(self, obj: Any) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        self.bump_versions(obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.bump_versions(obj)
        super().delete_model(request, obj)


class BranchInline(admin.TabularInline):
    model = Branch
    fields = ("code", "name", "address", "phone")
    extra = 0
    show_change_link = True


@admin.register(Supplier)
class SupplierAdmin(VersionedAdmin):
    list_display = (
        "short_name",
        "code",
        "kind",
        "inn",
        "kpp",
        "readings_window",
        "approved_for_payment",
    )
    list_filter = ("kind", "approved_for_payment", "readings_strict")
    search_fields = ("code", "name", "short_name", "inn")
    readonly_fields = ("created_at", "updated_at")
    # Suppliers' sites are HTTPS; also Django 6's default, so the form does not change then.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [BranchInline]

    def bump_versions(self, obj: Supplier) -> None:
        versions.bump_supplier(obj.pk)

    fieldsets = (
        (None, {"fields": ("code", "short_name", "name", "kind", "time_zone")}),
        (
            _("Реквизиты"),
            {"fields": ("inn", "kpp", "ogrn", "address", "phone", "email", "website")},
        ),
        (
            _("Банковские реквизиты для QR-кода оплаты"),
            {"fields": ("bank_name", "bic", "settlement_account", "correspondent_account")},
        ),
        (
            _("Приём показаний"),
            {
                "fields": (
                    ("readings_first_day", "readings_last_day"),
                    "readings_close_time",
                    "readings_strict",
                    "readings_jump_factor",
                    "readings_overdue_verification",
                )
            },
        ),
        (
            _("Оплата"),
            {"fields": ("approved_for_payment", "min_payment", "payment_commission")},
        ),
        (
            _("Чек об оплате (54-ФЗ)"),
            {"fields": ("receipt_vat_code", "receipt_is_merchant", "receipt_agent_type")},
        ),
        (
            _("Контрольные вопросы при привязке счёта"),
            {"fields": ("link_by_code", "link_by_bill_total", "link_by_surname_flat")},
        ),
        (_("Служебное"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    @admin.display(description=_("приём показаний"))
    def readings_window(self, supplier: Supplier) -> str:
        window = f"{supplier.readings_first_day}–{supplier.readings_last_day}"
        if supplier.readings_close_time:
            window += f" {supplier.readings_close_time:%H:%M}"
        return window


@admin.register(Branch)
class BranchAdmin(VersionedAdmin):
    list_display = ("name", "code", "supplier", "phone")
    list_filter = ("supplier",)
    search_fields = ("name", "code", "address")
    list_select_related = ("supplier",)

    def bump_versions(self, obj: Branch) -> None:
        versions.bump(accounts=Account.objects.filter(branch=obj))


class PremisesAccountInline(admin.TabularInline):
    """The accounts opened on a premises, for looking a household up; edited on their own page."""

    model = Account
    fields = ("number", "supplier", "owner_name", "status")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        return super().get_queryset(request).select_related("supplier")


@admin.register(Premises)
class PremisesAdmin(VersionedAdmin, LargeTableModelAdmin):
    list_display = ("address", "external_id", "total_area", "living_area", "rooms", "residents")
    search_fields = ("address", "external_id", "house_guid")
    inlines = [PremisesAccountInline]
    fieldsets = (
        (None, {"fields": ("external_id", "address")}),
        (
            _("Адрес по частям"),
            {"fields": ("region", "city", "street", "house", "building", "flat", "house_guid")},
        ),
        (_("Характеристики"), {"fields": ("total_area", "living_area", "rooms", "residents")}),
    )

    def bump_versions(self, obj: Premises) -> None:
        versions.bump(accounts=Account.objects.filter(premises=obj))


@admin.register(Account)
class AccountAdmin(VersionedAdmin, AccountSearchModelAdmin):
    account_number_lookup = "number"
    list_display = (
        "number",
        "number_display",
        "supplier",
        "owner_name",
        "address",
        "status",
        "els",
    )
    list_filter = ("supplier", "status", "branch", "automatic_readings")
    search_fields = ("number", "number_display", "owner_name", "premises__address", "els")
    autocomplete_fields = ("premises",)
    list_select_related = ("supplier", "premises")
    readonly_fields = ("related_records", "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("supplier", "branch"),
                    ("number", "number_display"),
                    "status",
                    ("opened_on", "closed_on"),
                )
            },
        ),
        (_("Владелец и помещение"), {"fields": ("owner_name", "premises")}),
        (_("Идентификаторы"), {"fields": ("els", "izhku", "link_code", "automatic_readings")}),
        (_("Связанные записи"), {"fields": ("related_records",)}),
        (_("Служебное"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    @admin.display(description=_("адрес"), ordering="premises__address")
    def address(self, account: Account) -> str | None:
        return account.premises.address if account.premises else None

    @admin.display(description=_("записи по счёту"))
    def related_records(self, account: Account) -> str:
        if account.pk is None:
            return self.get_empty_value_display()
        by_account = {"account__id__exact": account.pk}
        links = [
            ("admin:billing_charge_changelist", _("Начисления"), by_account),
            ("admin:billing_bill_changelist", _("Квитанции"), by_account),
            ("admin:metering_meter_changelist", _("Приборы учёта"), by_account),
            (
                "admin:metering_reading_changelist",
                _("Показания"),
                {"meter__account__id__exact": account.pk},
            ),
            ("admin:payments_payment_changelist", _("Платежи"), by_account),
        ]
        return format_html_join(
            " · ", "{}", ((changelist_link(url, label, **query),) for url, label, query in links)
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting an account would cascade to its readings and history; billing closes
        # accounts instead: a closed account keeps its history.
        return False

    def bump_versions(self, obj: Account) -> None:
        versions.bump(account_ids=[obj.pk])


@admin.register(Service)
class ServiceAdmin(VersionedAdmin):
    list_display = ("name", "code", "kind", "unit", "is_metered", "sort_order")
    list_filter = ("kind", "is_metered")
    search_fields = ("code", "name")

    def bump_versions(self, obj: Service) -> None:
        versions.bump_all()


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "supplier",
        "service",
        "code",
        "zone",
        "price",
        "valid_from",
        "valid_to",
    )
    list_filter = ("supplier", "service", "zone")
    search_fields = ("name", "code", "service__name")
    date_hierarchy = "valid_from"
    list_select_related = ("supplier", "service")


@admin.register(Charge)
class ChargeAdmin(ReadOnlyModelAdmin, AccountSearchModelAdmin):
    # Billing owns charges and bills: a staff edit would be silently undone by the next import.
    list_display = (
        period_column(Charge),
        "account_column",
        "owner",
        "supplier",
        "service",
        "zone",
        "volume",
        "tariff",
        money_column(Charge, "charged"),
        money_column(Charge, "recalculation"),
        money_column(Charge, "benefits"),
        money_column(Charge, "paid"),
        money_column(Charge, "total"),
    )
    list_filter = (PeriodListFilter, "supplier", "service", "zone", "volume_basis")
    search_fields = ACCOUNT_SEARCH_FIELDS
    autocomplete_fields = ("account",)
    list_select_related = ("account", "supplier", "service")
    fieldsets = (
        (None, {"fields": ("account", "period", "supplier", "service", "zone", "tariff_code")}),
        (
            _("Объём"),
            {"fields": ("unit", "norm", "volume", "volume_common", "volume_basis", "tariff")},
        ),
        (
            _("Суммы"),
            {
                "fields": (
                    "opening_balance",
                    "charged",
                    "surcharge",
                    ("recalculation", "recalculation_reason"),
                    "benefits",
                    "paid",
                    "total",
                )
            },
        ),
    )

    account_column, owner = account_columns()


# The columns of BillAmounts: a bill's totals and each of its sections'.
BILL_AMOUNTS = (
    "opening_balance",
    "charged",
    "recalculation",
    "benefits",
    "penalties",
    "paid",
    "total",
)


class BillSectionInline(admin.TabularInline):
    model = BillSection
    fields = ("supplier", "number", "due_date", "account_number", "izhku", *BILL_AMOUNTS)
    extra = 0


@admin.register(Bill)
class BillAdmin(ReadOnlyModelAdmin, AccountSearchModelAdmin):
    list_display = (
        period_column(Bill),
        "account_column",
        "owner",
        "number",
        "issued_on",
        "due_date",
        money_column(Bill, "charged"),
        money_column(Bill, "paid"),
        money_column(Bill, "total"),
    )
    list_filter = (PeriodListFilter, "account__supplier", "due_date")
    search_fields = (*ACCOUNT_SEARCH_FIELDS, "number")
    autocomplete_fields = ("account",)
    list_select_related = ("account",)
    inlines = [BillSectionInline]
    fieldsets = (
        (None, {"fields": ("account", "period", "number", "issued_on", "due_date")}),
        (_("Итоги"), {"fields": BILL_AMOUNTS}),
    )

    account_column, owner = account_columns()


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyModelAdmin):
    """What was imported and what failed; written by import_billing only."""

    list_display = (
        "kind",
        "file_name",
        "status",
        "started_at",
        "started_by",
        "rows",
        "inserted",
        "updated",
        "unchanged",
        "error_count",
    )
    list_filter = ("status", "kind")
    search_fields = ("file_name", "started_by", "file_sha256")
    date_hierarchy = "started_at"
    raw_id_fields = ("user",)
    readonly_fields = ("started_at", "duration_display", "errors_table")
    fieldsets = (
        (None, {"fields": ("kind", "file_name", "file_format", "encoding", "file_sha256")}),
        (
            _("Запуск"),
            {
                "fields": (
                    "status",
                    "started_by",
                    "user",
                    "started_at",
                    "finished_at",
                    "duration_display",
                    "message",
                )
            },
        ),
        (
            _("Строки файла"),
            {"fields": ("rows", "inserted", "updated", "unchanged", "error_count")},
        ),
        (_("Ошибки"), {"fields": ("errors_table",)}),
    )

    @admin.display(description=_("длительность"))
    def duration_display(self, batch: ImportBatch) -> str:
        if batch.duration is None:
            return self.get_empty_value_display()
        return _("%(seconds)s с") % {
            "seconds": number_format(batch.duration.total_seconds(), decimal_pos=1)
        }

    @admin.display(description=_("ошибки"))
    def errors_table(self, batch: ImportBatch) -> str:
        # File names and messages quote the uploaded file, which nobody vouched for: every cell
        # goes through format_html's escaping.
        errors = batch.errors if isinstance(batch.errors, list) else []
        if not errors:
            return self.get_empty_value_display()
        caption = ""
        if batch.error_count > len(errors):
            caption = format_html(
                "<caption>{}</caption>",
                _("Показаны первые %(shown)s из %(total)s.")
                % {"shown": len(errors), "total": batch.error_count},
            )
        rows = format_html_join(
            "\n",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (error_cells(error) for error in errors),
        )
        return format_html(
            "<table>{}<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            caption,
            _("Файл"),
            _("Строка"),
            _("Столбец"),
            _("Сообщение"),
            rows,
        )


def error_cells(error: Any) -> tuple[Any, Any, Any, Any]:
    """File, line, column and message of one stored import error, blanks where absent."""
    if not isinstance(error, dict):
        # Older or hand-made rows may hold a bare string; show it rather than fail the page.
        return ("", "", "", error)

    def cell(key: str) -> Any:
        value = error.get(key)
        return "" if value is None else value

    return (cell("file"), cell("line"), cell("column"), cell("message"))


@admin.register(AccountLink)
class AccountLinkAdmin(LargeTableModelAdmin):
    list_display = ("account", "user", "relation", "alias", "paperless", "created_at")
    list_filter = ("relation", "paperless")
    search_fields = ("account__number", "user__email", "user__phone", "user__last_name")
    autocomplete_fields = ("account",)
    raw_id_fields = ("user",)
    list_select_related = ("account", "user")


@admin.register(AccountInvitation)
class AccountInvitationAdmin(ReadOnlyModelAdmin):
    # Invitations are the customers' own acts: support may look, never forge one.
    list_display = ("link", "phone", "email", "status", "created_at", "expires_at")
    list_filter = ("status",)
    search_fields = ("phone", "email", "link__account__number")
    list_select_related = ("link",)
    exclude = ("token_hash",)


@admin.register(MarketingSubscription)
class MarketingSubscriptionAdmin(ReadOnlyModelAdmin, LargeTableModelAdmin):
    """Who chose which supplier's mailings: the customer changes it in the profile, and a
    mailing reaches them only while their marketing consent is in force."""

    list_display = ("user", "supplier", "channel", "created_at")
    list_filter = ("channel", "supplier")
    search_fields = ("user__email", "user__phone", "user__last_name")
    list_select_related = ("user", "supplier")
