"""The report's period and grouping, read from the query string. A value that does not parse
drops out quietly: the page shows this month, by day, and says which period it shows."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms

from reports.selectors import DIMENSIONS

MAX_DAYS = 366  # one report spans at most a year (a longer one is cut to its last year)


class ReportForm(forms.Form):
    by = forms.ChoiceField(choices=list(DIMENSIONS.items()), required=False)
    start = forms.DateField(required=False, label="From")
    end = forms.DateField(required=False, label="To")

    def period(self, today: date) -> tuple[str, date, date]:
        """(grouping, first day, last day), defaults for what is missing or wrong."""
        self.is_valid()  # a field that fails drops out; the others keep their values
        data = self.cleaned_data
        by = data.get("by") or "day"
        last = data.get("end") or today
        first = data.get("start") or last.replace(day=1)
        if first > last:
            first, last = last, first
        if (last - first).days >= MAX_DAYS:
            first = last - timedelta(days=MAX_DAYS - 1)
        return by, first, last
