"""The unread-answers badge of the main menu."""

from __future__ import annotations

from typing import Any

from django import template

from kabinet.support.selectors import unread_appeals_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_appeals(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return unread_appeals_count(user)
