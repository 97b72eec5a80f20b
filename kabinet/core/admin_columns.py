"""Changelist columns shared by the back-office admins: money, meter readings, account links.

Kept free of model imports so that any app's admin can use them.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from kabinet.core.money import format_rubles


def money(value: Decimal | None) -> str | None:
    """Roubles as staff read them on a bill: two places, thousands grouped («1 234,50»)."""
    if value is None:
        return None
    return format_rubles(value, symbol=False)


def reading(value: Decimal | None, fraction_digits: int) -> str | None:
    """A register value with as many fraction digits as the meter's drum shows.

    Digits beyond the meter's are cut, not rounded: the drum never shows a rounded-up value.
    """
    if value is None:
        return None
    return number_format(value, decimal_pos=fraction_digits)


def money_column(model: type[models.Model], field_name: str) -> Callable[[Any], Any]:
    """A sortable changelist column that shows a money field with two places.

    The column returns None for an empty value, which the changelist shows as its dash.
    """
    field = model._meta.get_field(field_name)

    @admin.display(description=getattr(field, "verbose_name", field_name), ordering=field_name)
    def column(obj: Any) -> str | None:
        return money(getattr(obj, field_name))

    # The changelist names the column's CSS class after the function.
    column.__name__ = field_name
    return column


def period_column(model: type[models.Model], field_name: str = "period") -> Callable[[Any], Any]:
    """A sortable column that shows a billing period the way bills print it: «01.2025»."""
    field = model._meta.get_field(field_name)

    @admin.display(description=getattr(field, "verbose_name", field_name), ordering=field_name)
    def column(obj: Any) -> str | None:
        value = getattr(obj, field_name)
        return None if value is None else date_format(value, "m.Y")

    column.__name__ = field_name
    return column


def account_link(account: Any) -> str | None:
    """The account number as printed on the bill, linking to the account's page."""
    if account is None:
        return None
    url = reverse("admin:billing_account_change", args=[account.pk])
    return format_html('<a href="{}">{}</a>', url, account.number_display or account.number)


def account_columns(path: str = "account") -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The account (linked) and its owner as two sortable columns of an admin whose rows reach
    their account through ``path`` («account», «meter__account»).

    Assign them as ``account_column, owner = account_columns()`` in the admin class and name
    them in ``list_display``; Django calls them as methods.
    """

    def account_of(obj: Any) -> Any:
        for name in path.split("__"):
            obj = getattr(obj, name)
        return obj

    @admin.display(description=_("лицевой счёт"), ordering=f"{path}__number")
    def account_column(_admin: Any, obj: Any) -> str | None:
        return account_link(account_of(obj))

    @admin.display(description=_("владелец"), ordering=f"{path}__owner_name")
    def owner(_admin: Any, obj: Any) -> str:
        return str(account_of(obj).owner_name)

    return account_column, owner


def changelist_link(url_name: str, label: Any, **filters: Any) -> str:
    """A link to another changelist narrowed to one object (e.g. the charges of an account)."""
    return format_html('<a href="{}?{}">{}</a>', reverse(url_name), urlencode(filters), label)
