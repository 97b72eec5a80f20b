"""Pieces of the data tables every list page draws."""

from __future__ import annotations

from django import template
from django.template.base import token_kwargs
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def column_headings(*labels: object) -> SafeString:
    """The header cells of a table's columns, one ``<th scope="col">`` a label, in order.

    Labels come translated (``_("Дата")`` in the tag) and are escaped.
    """
    return format_html_join("", '<th scope="col">{}</th>', ((label,) for label in labels))


class DataTableNode(template.Node):
    def __init__(
        self,
        rows: template.base.FilterExpression,
        attrs: dict[str, template.base.FilterExpression],
        table: template.NodeList,
        empty: template.NodeList,
    ) -> None:
        self.rows = rows
        self.attrs = attrs
        self.table = table
        self.empty = empty

    def render(self, context: template.Context) -> SafeString:
        if not self.rows.resolve(context):
            return self.empty.render(context)
        attrs = format_html_join(
            "",
            ' {}="{}"',
            ((name, value.resolve(context)) for name, value in self.attrs.items()),
        )
        return format_html(
            '<div class="table-responsive">\n<table{}>{}</table>\n</div>',
            attrs,
            self.table.render(context),
        )


@register.tag
def data_table(parser: template.base.Parser, token: template.base.Token) -> DataTableNode:
    """A list page's table: scrolls sideways on a narrow screen, and gives way to the
    ``{% empty %}`` part when there are no rows::

        {% data_table rows class="table align-middle" data_testid="payments" %}
          <thead>…</thead><tbody>…</tbody>
        {% empty %}<p>…</p>{% end_data_table %}

    The keyword arguments become the ``<table>``'s attributes (``_`` in a name as ``-``).
    """
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("data_table takes the rows to draw")
    attrs = token_kwargs(bits[2:], parser)
    if len(attrs) != len(bits) - 2:
        raise template.TemplateSyntaxError("data_table takes name=value attributes after the rows")
    table = parser.parse(("empty", "end_data_table"))
    empty = template.NodeList()
    if parser.next_token().contents == "empty":
        empty = parser.parse(("end_data_table",))
        parser.delete_first_token()
    return DataTableNode(
        parser.compile_filter(bits[1]),
        {name.replace("_", "-"): value for name, value in attrs.items()},
        table,
        empty,
    )
