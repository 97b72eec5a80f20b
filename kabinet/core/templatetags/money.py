"""``{{ amount|rubles }}`` → «18 355,53 ₽», ``{{ amount|money }}`` → «18 355,53»: ``format_rubles``.

``money`` leaves the symbol out, for a table column whose header names it and for a
translatable sentence that carries «₽» itself. ``"abs"`` as the argument shows the size only,
for a page whose words say which way the money goes («Переплата {{ balance|rubles:"abs" }}»).
An empty or unreadable value shows nothing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from kabinet.core.money import format_rubles

register = template.Library()

# "g" asked for grouping when it was optional; every amount is grouped now.
_ARGUMENTS = {"": True, "g": True, "abs": False}


def _format(value: Any, arg: str, *, symbol: bool) -> str:
    try:
        sign = _ARGUMENTS[arg]
    except KeyError:
        raise template.TemplateSyntaxError(
            f"money filters take 'abs' or nothing, not {arg!r}"
        ) from None
    if value is None or value == "":
        return ""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
        if not amount.is_finite():
            return ""
        return format_rubles(amount, sign=sign, symbol=symbol)
    except (InvalidOperation, ValueError, TypeError):
        return ""


@register.filter(is_safe=True)
def money(value: Any, arg: str = "") -> str:
    return _format(value, arg, symbol=False)


@register.filter(is_safe=True)
def rubles(value: Any, arg: str = "") -> str:
    return _format(value, arg, symbol=True)
