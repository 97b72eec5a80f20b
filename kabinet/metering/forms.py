"""Filters of the readings history and report. The submission itself is not a Django form: its
inputs depend on the account's meters and their zones (``m<meter id>_z<zone>``), and
``services.check_readings`` validates them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.core.periods import add_months, parse_period, period_of

RANGE_MONTHS = {"3": 3, "6": 6, "12": 12}
_VALUE_NAME_RE = re.compile(r"^m(\d{1,18})_z([1-3])$", re.ASCII)


def posted_values(data: Mapping[str, str]) -> dict[int, list[str]]:
    """Typed values by meter id from ``m12_z1``-style inputs, zones in order ("" if missing)."""
    found: dict[int, dict[int, str]] = {}
    for name, value in data.items():
        match = _VALUE_NAME_RE.match(name)
        if match:
            found.setdefault(int(match.group(1)), {})[int(match.group(2))] = str(value)
    return {
        meter: [zones.get(z, "") for z in range(1, max(zones) + 1)]
        for meter, zones in found.items()
    }


class MonthInput(forms.TextInput):
    input_type = "month"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


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


class HistoryForm(forms.Form):
    """Seed 003 §9.2 and seed 004 §4.4.4.2.2: the last 3 months by default, or any months."""

    range = forms.ChoiceField(
        label=_("Период"),
        choices=[
            ("3", _("За последние 3 месяца")),
            ("6", _("За последние 6 месяцев")),
            ("12", _("За год")),
            ("custom", _("Выбрать период")),
        ],
        required=False,
        initial="3",
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

    def date_range(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """First and last day shown; the last 3 months when the form is empty or invalid."""
        current = period_of(today)
        data = self.cleaned_data if self.is_valid() else {}
        choice = data.get("range") or "3"
        if choice == "custom":
            start, end = data["date_from"], data["date_to"]
        else:
            start, end = add_months(current, 1 - RANGE_MONTHS.get(choice, 3)), current
        return start, add_months(end, 1) - dt.timedelta(days=1)


class ReportForm(forms.Form):
    """Seed 000 Рис. 27–28: readings at the start and the end of a date range."""

    date_from = forms.DateField(label=_("С"), widget=DateInput())
    date_to = forms.DateField(label=_("По"), widget=DateInput())

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and start > end:
            self.add_error("date_to", _("Конец периода раньше его начала."))
        return data
