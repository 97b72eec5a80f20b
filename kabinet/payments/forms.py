"""The period filter of the payment history (seed 003: 3 months, 6 months, a year, or dates)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.forms import DateInput, PeriodFilterForm, range_field


class HistoryFilterForm(PeriodFilterForm):
    range = range_field("3", custom=_("Выбрать даты"))
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

    def date_range(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """First and last day shown, both included; the last 3 months when empty or invalid."""
        months, start, end = self.chosen()
        if months is None:
            return start, end
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
