"""The period filter of the bill history."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.core.periods import add_months, parse_period, period_of

RANGE_MONTHS = {"3": 3, "6": 6, "12": 12}


class MonthInput(forms.TextInput):
    input_type = "month"


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (the browser's month input) or MM.YYYY."""

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


class BillPeriodForm(forms.Form):
    range = forms.ChoiceField(
        label=_("Период"),
        choices=[
            ("3", _("3 месяца")),
            ("6", _("6 месяцев")),
            ("12", _("Год")),
            ("custom", _("Выбрать период")),
        ],
        required=False,
        initial="6",
    )
    date_from = MonthField(label=_("С месяца"), required=False, widget=MonthInput)
    date_to = MonthField(label=_("По месяц"), required=False, widget=MonthInput)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("range") == "custom":
            if not data.get("date_from") and not self.has_error("date_from"):
                self.add_error("date_from", _("Укажите начало периода."))
            if not data.get("date_to") and not self.has_error("date_to"):
                self.add_error("date_to", _("Укажите конец периода."))
            start, end = data.get("date_from"), data.get("date_to")
            if isinstance(start, dt.date) and isinstance(end, dt.date) and start > end:
                self.add_error("date_to", _("Конец периода раньше его начала."))
        return data

    def period_range(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """First and last period shown; the last 6 months when the form is empty or invalid."""
        current = period_of(today)
        data = self.cleaned_data if self.is_valid() else {}
        choice = data.get("range") or "6"
        if choice == "custom":
            return data["date_from"], data["date_to"]
        return add_months(current, -RANGE_MONTHS.get(choice, 6)), current
