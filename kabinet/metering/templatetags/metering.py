"""``{{ reading|values_of:meter }}``: a reading's zones with its meter's fraction digits."""

from __future__ import annotations

from django import template

from kabinet.metering.models import Meter, Reading

register = template.Library()


@register.filter
def values_of(reading: Reading | None, meter: Meter) -> str:
    if reading is None:
        return ""
    return meter.show_values(reading.values)


@register.filter
def reading_value(value: object, meter: Meter) -> str:
    from decimal import Decimal

    return meter.show(value) if isinstance(value, Decimal) else ""
