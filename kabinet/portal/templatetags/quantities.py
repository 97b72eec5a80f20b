"""``{{ value|volume }}`` → «3 959,6»: a consumption with as many fraction digits as it has
(none for whole kWh, up to three for m³), grouped, in the page's language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def volume(value: Any) -> str:
    if value is None or value == "":
        return ""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    if not amount.is_finite():
        return ""
    exponent = amount.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return str(number_format(amount, places, use_l10n=True, force_grouping=True))
