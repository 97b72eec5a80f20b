"""Reads that pages and the API share. Every account-scoped read goes through ``linked_account``."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from kabinet.billing.models import Account, AccountLink


def linked_accounts(user: Any) -> list[AccountLink]:
    """The user's links with their accounts, premises and suppliers, in display order."""
    if not user.is_authenticated:
        return []
    return list(
        AccountLink.objects.filter(user=user)
        .select_related("account__premises", "account__supplier", "account__branch")
        .order_by("group", "alias", "created_at")
    )


def linked_account(user: Any, account_id: int) -> AccountLink:
    """The user's link to ``account_id``, or Http404 — the same answer for someone else's account
    and for one that does not exist, so ids cannot be probed."""
    if not user.is_authenticated:
        raise Http404
    link = (
        AccountLink.objects.filter(user=user, account_id=account_id)
        .select_related("account__premises", "account__supplier", "account__branch")
        .first()
    )
    if link is None:
        raise Http404
    return link


def account_of(user: Any, account_id: int) -> Account:
    return linked_account(user, account_id).account
