"""``{{ amount|money }}``: an amount in rubles with two places, as ``floatformat:2`` shows it.

The charges table shows about thirty amounts; ``floatformat`` spends some ninety function calls
on each (generic precision handling, then ``number_format``), which made number formatting a
visible part of the page. This filter gives the same text for the same amount in every active
language (a test compares them) in a fraction of that: round half up to kopecks, then the
language's decimal separator and, with ``money:"g"`` (``floatformat:"2g"``), its grouping.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.conf import settings
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe

from kabinet.core.money import KOPECK

register = template.Library()


def _group(digits: str, size: int, separator: str) -> str:
    head = len(digits) % size or size
    parts = [digits[:head]] + [digits[i : i + size] for i in range(head, len(digits), size)]
    return separator.join(parts)


@register.filter(is_safe=True)
def money(value: Any, arg: str = "") -> SafeString | str:
    if value is None or value == "":
        return ""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
        rounded = amount.quantize(KOPECK, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return ""
    if not rounded.is_finite():
        return ""
    text = f"{abs(rounded):f}"
    whole, _dot, cents = text.partition(".")
    grouping = get_format("NUMBER_GROUPING")
    if (arg == "g" or settings.USE_THOUSAND_SEPARATOR) and isinstance(grouping, int) and grouping:
        whole = _group(whole, grouping, get_format("THOUSAND_SEPARATOR"))
    sign = "-" if rounded < 0 else ""  # -0.004 rounds to 0,00 without a sign, as floatformat
    return mark_safe(f"{sign}{whole}{get_format('DECIMAL_SEPARATOR')}{cents}")  # noqa: S308
