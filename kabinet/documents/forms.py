"""The period filter of the bill history."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from kabinet.core.forms import MonthField, MonthInput, PeriodFilterForm, range_field
from kabinet.core.periods import add_months, period_of


class BillPeriodForm(PeriodFilterForm):
    default_range = "6"

    range = range_field("6", last_months=False)
    date_from = MonthField(label=_("Месяц с"), required=False, widget=MonthInput)
    date_to = MonthField(label=_("Месяц по"), required=False, widget=MonthInput)

    def period_range(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """First and last period shown; the last 6 months when the form is empty or invalid.

        The current month counts on top: its bill comes out at the start of the next one."""
        months, start, end = self.chosen()
        if months is None:
            return start, end
        current = period_of(today)
        return add_months(current, -months), current
