"""The money filter shows amounts exactly as floatformat:2 and "2g" do, in every language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.utils import translation

from kabinet.core.templatetags.money import money

VALUES: list[Any] = [
    Decimal("0"),
    Decimal("-0.004"),
    Decimal("0.005"),
    Decimal("-0.005"),
    Decimal("999.995"),
    Decimal("1000"),
    Decimal("1234567.891"),
    Decimal("-1234.5"),
    Decimal("-1000000.00"),
    12,
    3.14159,
    "5.5",
    None,
    "",
    "abc",
]


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_same_text_as_floatformat(language: str, value: Any) -> None:
    with translation.override(language):
        assert money(value) == floatformat(value, 2)
        assert money(value, "g") == floatformat(value, "2g")


def test_in_a_template() -> None:
    template = Template('{% load money %}{{ a|money }} {{ a|money:"g" }}')
    with translation.override("ru"):
        assert template.render(Context({"a": Decimal("12345.6")})) == "12345,60 12\xa0345,60"
