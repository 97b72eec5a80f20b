"""The filters of «Все события» and «Статистика»."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.core.forms import MonthField, MonthInput, PeriodFilterForm, range_field
from kabinet.core.periods import add_months, period_of
from kabinet.core.timeline import MAX_MONTHS


class EventsForm(PeriodFilterForm):
    """The last 3 months by default (the seed's «За последние 3 месяца»), or any months."""

    range = range_field("3")
    date_from = MonthField(label=_("С месяца"), required=False, widget=MonthInput)
    date_to = MonthField(label=_("По месяц"), required=False, widget=MonthInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if (
            data.get("range") == "custom"
            and isinstance(start, dt.date)
            and isinstance(end, dt.date)
            and start <= end
            and (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS
        ):
            self.add_error(
                "date_to",
                _("Выберите не больше %(months)d месяцев.") % {"months": MAX_MONTHS},
            )
        return data

    def months(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """The first and last period shown: the last 3 months (this one counted) when the form
        is empty or invalid."""
        months, start, end = self.chosen()
        if months is not None:
            current = period_of(today)
            return add_months(current, 1 - months), current
        return start, end


class StatisticsForm(forms.Form):
    """The year to show; the account's years with charges (and the current one) to choose."""

    year = forms.TypedChoiceField(label=_("Год"), coerce=int, required=False)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]  # type: ignore[attr-defined]
        self.years = years

    def chosen(self, default: int) -> int:
        if self.is_valid() and self.cleaned_data.get("year"):
            return int(self.cleaned_data["year"])
        return default
