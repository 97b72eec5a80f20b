"""The period filter of the payment history (seed 003: 3 months, 6 months, a year, or dates)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

RANGE_MONTHS = {"3": 3, "6": 6, "12": 12}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class HistoryFilterForm(forms.Form):
    range = forms.ChoiceField(
        label=_("Период"),
        choices=[
            ("3", _("За последние 3 месяца")),
            ("6", _("За последние 6 месяцев")),
            ("12", _("За год")),
            ("custom", _("Выбрать даты")),
        ],
        required=False,
        initial="3",
    )
    date_from = forms.DateField(
        label=_("С даты"),
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
    )
    date_to = forms.DateField(
        label=_("По дату"),
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
    )

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
        """First and last day shown, both included; the last 3 months when empty or invalid."""
        data = self.cleaned_data if self.is_valid() else {}
        choice = data.get("range") or "3"
        if choice == "custom":
            return data["date_from"], data["date_to"]
        months = RANGE_MONTHS.get(choice, 3)
        index = today.year * 12 + today.month - 1 - months
        year, month = divmod(index, 12)
        day = min(today.day, 28)
        return dt.date(year, month + 1, day), today


def moments(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``[start 00:00, end+1 00:00)`` in the site's time zone."""
    zone = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return since, until
