"""The unread badge of the main menu and the unread marks beside the accounts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from kabinet.notifications.selectors import unread_counts, unread_total

register = template.Library()


def _user(context: Mapping[str, Any]) -> Any:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@register.simple_tag(takes_context=True)
def unread_notifications(context: Mapping[str, Any]) -> int:
    user = _user(context)
    return unread_total(user) if user is not None else 0


@register.simple_tag(takes_context=True)
def unread_by_account(context: Mapping[str, Any]) -> dict[int, int]:
    user = _user(context)
    return unread_counts(user) if user is not None else {}


@register.filter
def unread_of(counts: Mapping[int, int], account_id: int) -> int:
    return counts.get(account_id, 0) if counts else 0
