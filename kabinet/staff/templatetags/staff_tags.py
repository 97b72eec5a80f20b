"""Filters of the staff templates."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import template

from kabinet.staff.selectors import supplier_time

register = template.Library()


@register.filter
def in_tz(value: dt.datetime | None, time_zone: str) -> dt.datetime | None:
    """A stored moment in the supplier's time zone.

    ``{{ appeal.created_at|in_tz:appeal.supplier.time_zone|date:"d.m.Y H:i" }}``
    """
    return supplier_time(value, time_zone)


@register.filter
def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


@register.filter
def staff_name(user: Any) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.username
