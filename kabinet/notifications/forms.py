from __future__ import annotations

from typing import Any

from django import forms

from kabinet.notifications.models import Channel


class SubscriptionsForm(forms.Form):
    """A checkbox per kind and channel: e-mail for every kind, SMS for the kinds one of the
    customer's suppliers sends by SMS (``row["sms_available"]``)."""

    def __init__(self, data: Any = None, *, rows: list[dict[str, Any]]) -> None:
        super().__init__(data)
        self.rows = rows
        for row in rows:
            self.fields[f"{row['kind']}__email"] = forms.BooleanField(
                required=False, initial=row["email"], label=row["label"]
            )
            if row.get("sms_available"):
                self.fields[f"{row['kind']}__sms"] = forms.BooleanField(
                    required=False, initial=row["sms"], label=row["label"]
                )

    def rows_with_fields(self) -> list[dict[str, Any]]:
        return [
            {
                **row,
                "email_field": self[f"{row['kind']}__email"],
                "sms_field": self[f"{row['kind']}__sms"] if row.get("sms_available") else None,
            }
            for row in self.rows
        ]

    def choices(self) -> dict[tuple[str, str], bool]:
        result: dict[tuple[str, str], bool] = {}
        for name, value in self.cleaned_data.items():
            kind, channel = name.split("__")
            result[(kind, Channel(channel).value)] = bool(value)
        return result
