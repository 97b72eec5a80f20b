"""Forms of the support pages. Field checks mirror the services' (which the API uses too), so a
mistake is shown next to its field; a SupportError the service raises anyway is attached to its
field by ``core.forms.add_service_error``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import AccountLink, Supplier
from kabinet.core.forms import DateInput, PeriodFilterForm, range_field
from kabinet.core.uploads import check_upload
from kabinet.identity.forms import PhoneField
from kabinet.support import services
from kabinet.support.models import (
    TEXT_MAX_LENGTH,
    Appeal,
    RequestType,
    ServiceRequest,
    SocialNormDocument,
    TimeSlot,
)

REQUIRED = _("Заполните это поле.")


def _files_help() -> str:
    return _("До %(count)s файлов JPG, PNG, WEBP или PDF, каждый до 10 МБ.") % {
        "count": services.MAX_FILES
    }


# Fields are built when the module is imported: a help text formatted then would stay in the
# language of that moment (Russian) for everyone, so it is formatted when a page shows it.
_files_help_text = lazy(_files_help, str)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Up to ``services.MAX_FILES`` files in one input, each checked by its content."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Файлы"))
        kwargs.setdefault("help_text", _files_help_text())
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = "image/jpeg,image/png,image/webp,application/pdf"

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        items = [item for item in items if item]
        if not items:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(items) > services.MAX_FILES:
            raise ValidationError(
                _("Можно приложить не больше %(count)s файлов.") % {"count": services.MAX_FILES},
                code="too_many_files",
            )
        errors = []
        for item in items:
            super().clean(item, initial)
            try:
                check_upload(item)
            except ValidationError as error:
                errors.append(f"{item.name}: {' '.join(error.messages)}")
        if errors:
            raise ValidationError(errors)
        return list(items)


def _text_field(label: Any, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX_LENGTH,
        required=required,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": REQUIRED,
            "max_length": _("Не больше %(limit_value)d символов (сейчас %(show_value)d)."),
        },
    )


class VisitFieldsMixin(forms.Form):
    """Contact phone and the desired date and time of a visit; the date is judged in the
    supplier's time zone."""

    supplier: Supplier | None = None

    contact_phone = PhoneField(label=_("Контактный телефон"))
    desired_date = forms.DateField(
        label=_("Желаемая дата"),
        widget=DateInput(),
        error_messages={"required": REQUIRED, "invalid": _("Укажите дату, например 25.12.2026.")},
    )
    desired_slot = forms.ChoiceField(
        label=_("Желаемое время"),
        choices=TimeSlot.choices,
        initial=TimeSlot.MORNING,
        error_messages={"required": REQUIRED, "invalid_choice": _("Выберите время из списка.")},
    )

    def clean_desired_date(self) -> dt.date:
        value = self.cleaned_data["desired_date"]
        if self.supplier is not None:
            try:
                services.clean_desired_date(value, self.supplier)
            except services.SupportError as error:
                raise ValidationError(error.message, code=error.code) from None
        return value


class RequestForm(VisitFieldsMixin):
    """«Новая заявка» for one account: type, reason, date and period."""

    request_type = forms.ModelChoiceField(
        label=_("Тип заявки"),
        queryset=RequestType.objects.none(),
        empty_label=None,
        error_messages={
            "required": REQUIRED,
            "invalid_choice": _("Выберите тип заявки из списка."),
        },
    )
    reason = _text_field(_("Причина заявки"))
    attachments = MultipleFileField()

    field_order = [
        "request_type",
        "reason",
        "desired_date",
        "desired_slot",
        "contact_phone",
        "attachments",
    ]

    def __init__(self, *args: Any, link: AccountLink, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.supplier = link.account.supplier
        self.fields["request_type"].queryset = RequestType.objects.filter(  # type: ignore[attr-defined]
            supplier=self.supplier, is_active=True
        ).order_by("sort_order", "name")


class CatalogOrderForm(VisitFieldsMixin):
    """«Заказать услугу»: pre-filled with the customer's account of the supplier and phone."""

    account = forms.TypedChoiceField(
        label=_("Лицевой счёт"),
        coerce=int,
        error_messages={
            "required": REQUIRED,
            "invalid_choice": _("Выберите лицевой счёт из списка."),
        },
    )
    comment = _text_field(_("Комментарий"), required=False)
    attachments = MultipleFileField()

    field_order = [
        "account",
        "desired_date",
        "desired_slot",
        "contact_phone",
        "comment",
        "attachments",
    ]

    def __init__(self, *args: Any, links: list[AccountLink], supplier: Supplier, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.supplier = supplier
        self.links = {link.account_id: link for link in links}
        self.fields["account"].choices = [  # type: ignore[attr-defined]
            (link.account_id, _link_label(link)) for link in links
        ]

    def clean_account(self) -> AccountLink:
        return self.links[self.cleaned_data["account"]]


def _link_label(link: AccountLink) -> str:
    account = link.account
    address = account.premises.address if account.premises else ""
    label = f"{link.alias or account} — {account.supplier.short_name}"
    return f"{label}, {address}" if address else label


class AppealForm(forms.Form):
    """«Задать вопрос»."""

    supplier = forms.ModelChoiceField(
        label=_("Поставщик"),
        queryset=Supplier.objects.order_by("short_name"),
        error_messages={
            "required": REQUIRED,
            "invalid_choice": _("Выберите поставщика из списка."),
        },
    )
    account = forms.TypedChoiceField(
        label=_("Лицевой счёт"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Выберите лицевой счёт из списка.")},
    )
    topic = forms.ChoiceField(
        label=_("Тема вопроса"),
        choices=[("", _("— выберите тему —")), *Appeal.Topic.choices],
        error_messages={"required": REQUIRED, "invalid_choice": _("Выберите тему из списка.")},
    )
    text = _text_field(_("Вопрос"))
    attachments = MultipleFileField(label=_("Приложить файлы"))

    def __init__(self, *args: Any, links: list[AccountLink], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.links = {link.account_id: link for link in links}
        self.fields["account"].choices = [  # type: ignore[attr-defined]
            ("", _("— без лицевого счёта —")),
            *((link.account_id, _link_label(link)) for link in links),
        ]
        self.fields["supplier"].label_from_instance = lambda s: s.short_name  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        account_id = data.get("account")
        supplier = data.get("supplier")
        if account_id is not None:
            link = self.links[account_id]
            data["account"] = link
            if supplier is not None and link.account.supplier_id != supplier.pk:
                self.add_error("account", _("Этот лицевой счёт открыт у другого поставщика."))
        return data


class ReplyForm(forms.Form):
    text = _text_field(_("Ваш ответ"))
    attachments = MultipleFileField(label=_("Приложить файлы"))


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Причина отмены"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(),
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Вид документа"),
        choices=SocialNormDocument.Kind.choices,
        error_messages={"required": REQUIRED, "invalid_choice": _("Выберите вид из списка.")},
    )
    comment = _text_field(_("Комментарий"), required=False)
    attachments = MultipleFileField(
        label=_("Сканы или фото документов"),
        required=True,
        error_messages={"required": _("Приложите скан или фото документа.")},
    )


# --- list filters ----------------------------------------------------------------------------


class DateRangeForm(PeriodFilterForm):
    """Period of a list: the last 3/6/12 months or dates chosen in the calendar."""

    custom_needs_both = False

    range = range_field("3", custom=_("Выбрать даты"))
    date_from = forms.DateField(
        label=_("С"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Укажите дату, например 01.09.2026.")},
    )
    date_to = forms.DateField(
        label=_("По"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Укажите дату, например 30.09.2026.")},
    )

    def period(self, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
        from kabinet.support.selectors import months_back

        months, start, end = self.chosen()
        if months is None:
            return start, end
        return months_back(months, today)


class RequestFilterForm(DateRangeForm):
    status = forms.MultipleChoiceField(
        label=_("Статус"),
        choices=ServiceRequest.Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class AppealFilterForm(DateRangeForm):
    status = forms.ChoiceField(
        label=_("Статус"),
        choices=[("", _("Все")), *Appeal.Status.choices],
        required=False,
    )
