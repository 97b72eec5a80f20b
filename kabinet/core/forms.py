"""Form pieces the apps share: month and date inputs, the period filter of every history page —
«за 3 месяца / 6 месяцев / год» or a chosen range — and the placing of a
service's refusal on a form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext_lazy as _

from kabinet.core.errors import ServiceError
from kabinet.core.money import KOPECK, RublesError, parse_rubles, plain_rubles
from kabinet.core.periods import parse_period

RANGE_MONTHS = {"3": 3, "6": 6, "12": 12}

T = TypeVar("T")


def add_service_error(form: forms.BaseForm, error: ServiceError) -> None:
    """Show a refusal on a bound form: each message under the field it names, everything else
    (fields the form does not have, and the message itself unless a field shows it) above the
    form."""
    shown: set[str] = set()
    for name, texts in error.fields.items():
        if not texts:
            continue
        form.add_error(name if name in form.fields else None, list(texts))
        shown.update(texts)
    if error.message not in shown:
        form.add_error(None, error.message)


def perform(
    form: forms.BaseForm,
    act: Callable[[], object],
    refusal: type[ServiceError] = ServiceError,
) -> bool:
    """Run a service act once a bound form is valid: True when it was done. A ``refusal`` the
    service raises lands on the form (``add_service_error``), so the page shows it again with the
    person's input; anything else propagates."""

    def done() -> bool:
        act()
        return True

    return perform_for(form, done, refusal) is not None


def perform_for(
    form: forms.BaseForm,
    act: Callable[[], T],
    refusal: type[ServiceError] = ServiceError,
) -> T | None:
    """``perform`` for an act whose result the page goes on with (what it created): the result
    once done, None when the form is invalid or the service refused (the refusal is on the
    form)."""
    if not form.is_valid():
        return None
    try:
        return act()
    except refusal as error:
        add_service_error(form, error)
        return None


class BootstrapBoundField(forms.BoundField):
    """A field whose widget carries Bootstrap's classes (and ``is-invalid`` after a failed
    submit), so a template writes ``{{ field }}`` and never re-types the widget's attributes."""

    def build_widget_attrs(
        self, attrs: dict[str, Any], widget: forms.Widget | None = None
    ) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        css = _bootstrap_class(widget)
        if css is None:
            return attrs
        given = str(attrs.get("class") or widget.attrs.get("class") or "").split()
        wanted = [css, "is-invalid"] if self.errors else [css]
        attrs["class"] = " ".join(dict.fromkeys([*given, *wanted]))
        return attrs


def _bootstrap_class(widget: forms.Widget) -> str | None:
    if widget.is_hidden:
        return None
    if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    if isinstance(widget, forms.MultiWidget):
        return None
    return "form-control"


class FormRenderer(DjangoTemplates):
    """Every form in Kabinet lays its fields out the one Bootstrap way (settings.FORM_RENDERER):
    ``{{ form.phone.as_field_group }}`` draws label, input, errors and help text."""

    form_template_name = "core/forms/form.html"
    field_template_name = "core/forms/field.html"
    bound_field_class = BootstrapBoundField


class TelInput(forms.TextInput):
    """A phone number: the phone keypad on a phone."""

    input_type = "tel"


class TimeInput(forms.TimeInput):
    input_type = "time"


class MonthInput(forms.TextInput):
    input_type = "month"


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and shows ISO dates."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (the browser's month input) or MM.YYYY; cleaned to its 1st day."""

    def to_python(self, value: object) -> dt.date | None:  # type: ignore[override]
        text = str(value or "").strip()
        if not text:
            return None
        try:
            return parse_period(text)
        except ValueError:
            raise forms.ValidationError(
                _("Укажите месяц в виде ГГГГ-ММ, например 2026-09."), code="invalid"
            ) from None


def range_field(default: str, *, last_months: bool = True, custom: Any = None) -> forms.Field:
    """The «Период» choice: 3, 6 or 12 months back, or ``custom`` with date_from/date_to."""
    if last_months:
        labels = [_("За последние 3 месяца"), _("За последние 6 месяцев"), _("За год")]
    else:
        labels = [_("3 месяца"), _("6 месяцев"), _("Год")]
    return forms.ChoiceField(
        label=_("Период"),
        choices=[
            *zip(RANGE_MONTHS, labels, strict=True),
            ("custom", custom or _("Выбрать период")),
        ],
        required=False,
        initial=default,
    )


class PeriodFilterForm(forms.Form):
    """A ``range`` choice plus ``date_from``/``date_to`` (months or days, as a subclass
    declares them), the custom range checked for completeness and order."""

    default_range = "3"
    # False lets a custom range stay open at either end («с 01.09» or «по 30.09»).
    custom_needs_both = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("range") == "custom":
            if self.custom_needs_both:
                ends = (
                    ("date_from", _("Укажите начало периода.")),
                    ("date_to", _("Укажите конец периода.")),
                )
                for name, message in ends:
                    if not data.get(name) and not self.has_error(name):
                        self.add_error(name, message)
            start, end = data.get("date_from"), data.get("date_to")
            if isinstance(start, dt.date) and isinstance(end, dt.date) and start > end:
                self.add_error("date_to", _("Конец периода раньше его начала."))
        return data

    def chosen(self) -> tuple[int | None, Any, Any]:
        """(months back, None, None), or (None, date_from, date_to) for a custom range. An
        empty or invalid form falls back to the default range."""
        data = self.cleaned_data if self.is_valid() else {}
        choice = data.get("range") or self.default_range
        if choice == "custom":
            return None, data.get("date_from"), data.get("date_to")
        return RANGE_MONTHS.get(choice, RANGE_MONTHS[self.default_range]), None, None


class RublesField(forms.Field):
    """An amount in rubles as a person types it, read by ``parse_rubles``.

    ``minimum`` and ``maximum`` are passed on; ``empty`` is what a blank field means (None, or
    zero where leaving a line blank means paying nothing on it). An amount shown back in the
    field has no group spaces: the customer edits digits, and the caret skips no spaces.
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(
        self,
        *,
        minimum: Decimal | None = KOPECK,
        maximum: Decimal | None = None,
        empty: Decimal | None = None,
        **kwargs: Any,
    ) -> None:
        self.minimum, self.maximum, self.empty = minimum, maximum, empty
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, Decimal):
            value = f"{value:f}"
        text = str(value or "").strip()
        if not text:
            return self.empty
        try:
            return parse_rubles(text, minimum=self.minimum, maximum=self.maximum)
        except RublesError as error:
            raise forms.ValidationError(error.message, code=error.code) from None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return plain_rubles(value, decimal_separator=",")
        return value
