"""Filters of the readings history and report. The submission itself is not a Django form: its
inputs depend on the account's meters and their zones (``m<meter id>_z<zone>``), and
``services.check_readings`` validates them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.core.forms import DateInput, MonthField, MonthInput, PeriodFilterForm, range_field
from kabinet.core.periods import add_months, period_of

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


class HistoryForm(PeriodFilterForm):
    """The last 3 months by default, or any months."""

    range = range_field("3")
    date_from = MonthField(label=_("Месяц с"), required=False, widget=MonthInput)
    date_to = MonthField(label=_("Месяц по"), required=False, widget=MonthInput)

    def date_range(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """First and last day shown; the last 3 months when the form is empty or invalid."""
        months, start, end = self.chosen()
        if months is not None:
            current = period_of(today)
            start, end = add_months(current, 1 - months), current
        return start, add_months(end, 1) - dt.timedelta(days=1)


class ReportForm(forms.Form):
    """Readings at the start and the end of a date range."""

    # Seed 000 (Рис. 28): «Вид» — which kind of meter the report covers.
    service = forms.TypedChoiceField(label=_("Вид"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label=_("С"), widget=DateInput())
    date_to = forms.DateField(label=_("По"), widget=DateInput())

    def __init__(self, *args: Any, services: Sequence[tuple[int, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Все приборы учёта")), *services]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and start > end:
            self.add_error("date_to", _("Конец периода раньше его начала."))
        return data
