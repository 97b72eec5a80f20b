"""The money filters show amounts as format_rubles does, in every language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation

from kabinet.core.money import format_rubles
from kabinet.core.templatetags.money import money, rubles

NBSP = "\u00a0"


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize(
    "value",
    [Decimal("0"), Decimal("-0.004"), Decimal("999.995"), Decimal("-1234.5"), Decimal("1e6"), 12],
    ids=repr,
)
def test_same_text_as_format_rubles(language: str, value: Any) -> None:
    with translation.override(language):
        assert rubles(value) == format_rubles(value)
        assert money(value) == format_rubles(value, symbol=False)
        assert rubles(value, "abs") == format_rubles(value, sign=False)


@pytest.mark.parametrize("value", [None, "", "abc", Decimal("NaN"), Decimal("Infinity")], ids=repr)
def test_nothing_for_what_is_not_an_amount(value: Any) -> None:
    assert money(value) == rubles(value) == ""


def test_in_a_template() -> None:
    template = Template(
        '{% load money %}{{ a|money }} | {{ a|rubles }} | {{ b|rubles }} | {{ b|money:"abs" }}'
    )
    with translation.override("ru"):
        text = template.render(Context({"a": Decimal("18355.53"), "b": Decimal("-1.00")}))
    assert text == (f"18{NBSP}355,53 | 18{NBSP}355,53{NBSP}₽ | \u22121,00{NBSP}₽ | 1,00")


def test_an_unknown_argument_is_a_mistake_in_the_template() -> None:
    with pytest.raises(TemplateSyntaxError):
        money(Decimal("1"), "2")
