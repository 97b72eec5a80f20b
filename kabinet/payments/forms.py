"""The payment page's form, and the period filter of the payment history."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.forms import DateInput, PeriodFilterForm, RublesField, range_field
from kabinet.core.money import ZERO
from kabinet.payments import services
from kabinet.payments.selectors import PaymentLines, PaymentPage

# The field names the page has always sent; the e2e tests fill them in by name.
AMOUNT_PREFIX = "amount-"
# «+1000 руб.» on a line.
ADVANCE_STEP = Decimal("1000.00")
# Fields the page shows a message under; the service's other messages go above the form.
_FIELDS_WITH_MESSAGES = {"receipt_email", "receipt_phone", "agree"}


class PayForm(forms.Form):
    """The payment page: an amount per payable line (``amount-<line key>``), the receipt contact
    and the consent to the payment rules.

    Amounts are read here (``parse_rubles``: a blank line is zero); whether they make a payment
    (the supplier's minimum, something to pay at all, a contact for the receipt, the consent) is
    the payment service's rule, which the API shares, so ``clean`` asks it and puts its
    messages next to the fields.
    """

    receipt_channel = forms.CharField(required=False)
    receipt_email = forms.CharField(required=False, max_length=254)
    receipt_phone = forms.CharField(required=False, max_length=20)
    agree = forms.BooleanField(required=False)
    idempotency_key = forms.CharField(required=False)

    def __init__(self, *args: Any, lines: PaymentLines, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines.lines:
            self.fields[AMOUNT_PREFIX + line.key] = RublesField(
                minimum=ZERO,
                maximum=services.MAX_LINE_AMOUNT,
                empty=ZERO,
                required=False,
                label=line.title,
            )

    @classmethod
    def for_page(cls, page: PaymentPage) -> PayForm:
        """Every line at what the bill says is due, the receipt to the profile's contact."""
        initial: dict[str, Any] = {AMOUNT_PREFIX + line.key: line.due for line in page.lines.lines}
        initial.update(
            receipt_channel=page.receipt_channel,
            receipt_email=page.receipt_email,
            receipt_phone=page.receipt_phone,
            agree=False,
            idempotency_key=str(uuid.uuid4()),
        )
        return cls(lines=page.lines, initial=initial)

    @classmethod
    def after_line_action(
        cls, data: Mapping[str, Any], action: str, lines: PaymentLines
    ) -> PayForm:
        """«Обнулить», «Вернуть», «+1000 руб.» on one line, without JavaScript: the page again
        with everything as typed and that line changed, nothing checked yet."""
        initial: dict[str, Any] = {name: data.get(name, "") for name in cls.base_fields}
        initial["agree"] = data.get("agree") == "on"
        for payable in lines.lines:
            initial[AMOUNT_PREFIX + payable.key] = data.get(AMOUNT_PREFIX + payable.key, "")
        verb, _sep, key = action.partition(":")
        line = lines.by_key().get(key)
        name = AMOUNT_PREFIX + key
        if line is not None:
            if verb == "clear":
                initial[name] = ZERO
            elif verb == "restore":
                initial[name] = line.due
            elif verb == "add":
                try:
                    current = services.parse_amount(str(initial[name]))
                except ValueError:
                    current = line.due
                initial[name] = current + ADVANCE_STEP
        return cls(lines=lines, initial=initial)

    def clean_receipt_channel(self) -> str:
        return "sms" if self.cleaned_data.get("receipt_channel") == "sms" else "email"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if any(n.startswith(AMOUNT_PREFIX) and n not in self.fields for n in self.data):
            # The page was open while a new bill came: its lines are not the ones typed into.
            self.add_error(None, _("Квитанция обновилась: проверьте суммы и оплатите снова."))
        try:
            services.check_payment(self.lines, self.payment_input())
        except services.PaymentError as error:
            if error.fields:
                self.add_payment_error(error)
        return cleaned

    def payment_input(self) -> services.PaymentInput:
        """What the service takes; amounts that could not be read are left out."""
        data = getattr(self, "cleaned_data", {})
        return services.PaymentInput(
            amounts={
                line.key: data[AMOUNT_PREFIX + line.key]
                for line in self.lines.lines
                if AMOUNT_PREFIX + line.key in data
            },
            receipt_channel=data.get("receipt_channel", "email"),
            receipt_email=data.get("receipt_email", ""),
            receipt_phone=data.get("receipt_phone", ""),
            agreed=bool(data.get("agree")),
            idempotency_key=data.get("idempotency_key", ""),
        )

    def add_payment_error(self, error: services.PaymentError) -> None:
        """The service's messages next to their fields, the rest above the form.

        An amount typed wrong already has its message: what the service says about the
        amounts without it (the minimum, a total of zero) would only mislead.
        """
        typed_wrong = any(
            name.startswith(AMOUNT_PREFIX) and name in self.errors for name in self.fields
        )
        for key, messages in error.fields.items():
            name = AMOUNT_PREFIX + key if AMOUNT_PREFIX + key in self.fields else key
            if typed_wrong and (name.startswith(AMOUNT_PREFIX) or key == "total"):
                continue
            shown = name.startswith(AMOUNT_PREFIX) or name in _FIELDS_WITH_MESSAGES
            for message in messages:
                self.add_error(name if shown else None, message)

    def rows(self) -> list[dict[str, Any]]:
        """Per recipient, its lines with their fields, in the order the page shows them."""
        return [
            {
                "group": group,
                "lines": [
                    {"line": line, "field": self[AMOUNT_PREFIX + line.key]} for line in group.lines
                ],
            }
            for group in self.lines.suppliers
        ]

    def total(self) -> Decimal:
        """The sum of the amounts as shown; one typed wrong counts as nothing until fixed."""
        total = ZERO
        for line in self.lines.lines:
            value = self[AMOUNT_PREFIX + line.key].value()
            try:
                total += services.parse_amount(str(value or ""))
            except ValueError:
                continue
        return total


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


class RefundForm(forms.Form):
    """Staff return money of a card payment: all that is left, or part of it, of one recipient
    or of every line in proportion."""

    amount = RublesField(
        label=_("Сумма возврата, ₽"),
        required=False,
        help_text=_("Пусто — всё, что осталось от платежа (или от части получателя)."),
    )
    recipient = forms.TypedChoiceField(
        label=_("Получатель"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Без получателя сумма делится между строками квитанции пропорционально."),
    )

    def __init__(self, *args: Any, recipients: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["recipient"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Все строки платежа")), *recipients]

    def refund(self, *, payment_id: int, actor: Any) -> bool:
        """Ask for the refund; a refusal becomes errors on the form. True when it went through."""
        try:
            services.refund_payment(
                payment_id=payment_id,
                amount=self.cleaned_data["amount"],
                recipient_id=self.cleaned_data["recipient"],
                actor=actor,
            )
        except services.PaymentError as error:
            for name, messages in (error.fields or {}).items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
            if not error.fields:
                self.add_error(None, error.message)
            return False
        return True
