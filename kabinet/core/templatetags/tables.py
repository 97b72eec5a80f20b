"""Pieces of the data tables every list page draws."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def column_headings(*labels: object) -> SafeString:
    """The header cells of a table's columns, one ``<th scope="col">`` a label, in order.

    Labels come translated (``_("Дата")`` in the tag) and are escaped.
    """
    return format_html_join("", '<th scope="col">{}</th>', ((label,) for label in labels))
