"""Forms of the staff area; every message is Russian and shown next to its field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import Supplier
from kabinet.core.forms import DateInput, TimeInput
from kabinet.core.http import client_ip
from kabinet.identity.models import User
from kabinet.notifications.models import SUBSCRIBABLE, Announcement
from kabinet.staff import scoping, services
from kabinet.support.models import CatalogCategory, CatalogItem, FaqCategory, FaqQuestion

REQUIRED = _("Обязательное поле.")
# An answer is a letter, not a book; the support app caps texts at the same length.
TEXT_MAX_LENGTH = 4000


class BootstrapMixin:
    """Staff forms' own «Обязательное поле.» (the widgets' Bootstrap classes come from the form
    renderer, kabinet.core.forms.FormRenderer)."""

    fields: dict[str, forms.Field]

    def _style(self) -> None:
        for field in self.fields.values():
            # Django's generic «Обязательное поле.» becomes ours; a field's own text stays.
            if (
                field.error_messages.get("required")
                == forms.Field.default_error_messages["required"]
            ):
                field.error_messages["required"] = REQUIRED


class StyledForm(BootstrapMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class StyledModelForm(BootstrapMixin, forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class LabelledChoiceField(forms.ModelChoiceField):
    """A model choice whose option text comes from a function (a person's full name …)."""

    def __init__(self, *args: Any, label_of: Any = str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_of = label_of

    def label_from_instance(self, obj: Any) -> str:
        return str(self.label_of(obj))


def person_name(user: Any) -> str:
    return str(user.get_full_name() or user.username)


class StaffLoginForm(BootstrapMixin, AuthenticationForm):
    """Django's login form, checked by the staff login service (staff only, throttled)."""

    superuser_only = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Имя пользователя")
        self.fields["password"].label = _("Пароль")
        self._style()

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            assert self.request is not None
            try:
                self.user_cache = services.staff_log_in(
                    request=self.request,
                    username=username,
                    password=password,
                    client_ip=client_ip(self.request),
                    superuser_only=self.superuser_only,
                )
            except services.StaffLoginFailed as error:
                raise forms.ValidationError(error.message, code="invalid_login") from None
        return self.cleaned_data


class AdminLoginForm(StaffLoginForm):
    """The admin's login: the staff login's throttle and audit, for superusers only."""

    superuser_only = True


# --- queues -----------------------------------------------------------------------------------

ASSIGNED_CHOICES = [
    ("", _("Все")),
    ("me", _("Назначенные мне")),
    ("none", _("Не назначенные")),
]


class QueueFilterForm(StyledForm):
    """Filters shared by the appeal and request queues; invalid values are simply ignored."""

    status = forms.ChoiceField(label=_("Статус"), required=False)
    supplier = forms.ModelChoiceField(
        label=_("Поставщик"), queryset=Supplier.objects.none(), required=False
    )
    assigned = forms.ChoiceField(label=_("Исполнитель"), choices=ASSIGNED_CHOICES, required=False)
    created_from = forms.DateField(label=_("Подано с"), required=False, widget=DateInput())
    created_to = forms.DateField(label=_("по"), required=False, widget=DateInput())

    def __init__(
        self,
        *args: Any,
        statuses: list[tuple[str, Any]],
        suppliers: QuerySet[Supplier],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = [("", _("Открытые")), ("all", _("Все")), *statuses]
        supplier_field = self.fields["supplier"]
        assert isinstance(supplier_field, forms.ModelChoiceField)
        supplier_field.queryset = suppliers
        supplier_field.empty_label = str(_("Все"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("Дата «по» раньше даты «с»."))
        return data


class AssignForm(StyledForm):
    assignee = LabelledChoiceField(
        label=_("Исполнитель"), queryset=User.objects.none(), required=False, label_of=person_name
    )

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = candidates
        field.empty_label = str(_("— не назначен —"))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by kabinet.core.uploads in the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


MAX_FILES = 5


class AnswerForm(StyledForm):
    text = forms.CharField(
        label=_("Ответ"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Напишите текст ответа."),
            "max_length": _("Ответ длиннее %(limit_value)d символов."),
        },
    )
    # Not "files": that name is the form's own dict of uploads.
    attachments = MultipleFileField(label=_("Вложения"), required=False)

    def clean_text(self) -> str:
        text = str(self.cleaned_data["text"]).strip()
        if not text:
            raise forms.ValidationError(_("Напишите текст ответа."), code="required")
        return text

    def clean_attachments(self) -> list[Any]:
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                _("Можно приложить не больше %(n)d файлов.") % {"n": MAX_FILES}
            )
        return list(files)


class StatusForm(StyledForm):
    status = forms.ChoiceField(label=_("Новый статус"))
    comment = forms.CharField(
        label=_("Комментарий"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Клиент увидит его в истории заявки."),
    )

    def __init__(
        self, *args: Any, statuses: list[tuple[str, Any]], cancel_status: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = statuses
        self.cancel_status = cancel_status

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["comment"] = str(data.get("comment") or "").strip()
        if data.get("status") == self.cancel_status and not data["comment"]:
            self.add_error("comment", _("Укажите причину отмены заявки."))
        return data


class ReviewForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("Решение"),
        choices=[("accept", _("Принять")), ("reject", _("Отклонить"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Причина отклонения"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["reason"] = str(data.get("reason") or "").strip()
        if data.get("decision") == "reject" and not data["reason"]:
            self.add_error("reason", _("Укажите причину отклонения."))
        return data


# --- customers ------------------------------------------------------------------------------


class CustomerSearchForm(StyledForm):
    KINDS = [
        ("phone", _("Телефон")),
        ("email", _("E-mail")),
        ("account", _("Лицевой счёт")),
        ("address", _("Адрес")),
    ]
    kind = forms.ChoiceField(label=_("Искать по"), choices=KINDS)
    q = forms.CharField(
        label=_("Что ищем"),
        max_length=200,
        error_messages={"required": _("Введите телефон, e-mail, номер счёта или адрес.")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "address" and len(str(data.get("q", "")).strip()) < 3:
            self.add_error("q", _("Введите хотя бы 3 символа адреса."))
        return data


# --- supplier settings --------------------------------------------------------------------

DAY_ERRORS = {
    "required": _("Укажите число месяца."),
    "invalid": _("Число месяца — целое от 1 до 31."),
    "min_value": _("Число месяца — от 1 до 31."),
    "max_value": _("Число месяца — от 1 до 31."),
}


class SupplierSettingsForm(StyledModelForm):
    readings_first_day = forms.IntegerField(
        label=_("Приём показаний с (число)"), min_value=1, max_value=31, error_messages=DAY_ERRORS
    )
    readings_last_day = forms.IntegerField(
        label=_("Приём показаний по (число)"), min_value=1, max_value=31, error_messages=DAY_ERRORS
    )
    readings_close_time = forms.TimeField(
        label=_("Окончание приёма в последний день"),
        required=False,
        help_text=_("Например 17:00. Пусто — до конца дня."),
        widget=TimeInput(format="%H:%M"),
        error_messages={"invalid": _("Время в виде ЧЧ:ММ, например 17:00.")},
    )
    readings_jump_factor = forms.DecimalField(
        label=_("Порог подтверждения скачка расхода (× среднемесячного)"),
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("1"),
        # Staff type «10,5» as Russians write it.
        localize=True,
        error_messages={
            "invalid": _("Введите число, например 10."),
            "min_value": _("Порог — не меньше 1."),
            "max_digits": _("Слишком большое число."),
            "max_decimal_places": _("Не больше 2 знаков после запятой."),
            "max_whole_digits": _("Слишком большое число."),
        },
    )
    min_payment = forms.DecimalField(
        label=_("Минимальная сумма платежа, ₽"),
        max_digits=14,
        decimal_places=2,
        localize=True,
        error_messages={
            "invalid": _("Введите сумму, например 50,00."),
            "max_decimal_places": _("Не больше 2 знаков после запятой (копейки)."),
            "max_digits": _("Слишком большая сумма."),
            "max_whole_digits": _("Слишком большая сумма."),
        },
    )

    sms_notification_kinds = forms.MultipleChoiceField(
        label=_("Уведомления, которые клиенты могут получать по SMS"),
        choices=[(kind.value, kind.label) for kind in SUBSCRIBABLE],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("SMS платные и считаются в лимитах отправки; e-mail доступен для всех видов."),
    )

    website = forms.URLField(
        label=_("Сайт"),
        required=False,
        assume_scheme="https",
        error_messages={"invalid": _("Введите адрес сайта, например https://example.ru.")},
    )

    class Meta:
        model = Supplier
        fields = list(services.SUPPLIER_SETTINGS)
        help_texts = {
            "readings_overdue_verification": _(
                "Прибор с истёкшим сроком поверки считается неисправным. Принятые показания "
                "уходят в биллинг с отметкой verification_overdue."
            ),
        }
        error_messages = {
            "email": {"invalid": _("Введите правильный адрес e-mail.")},
        }

    def clean_sms_notification_kinds(self) -> list[str]:
        # Stored in the order of the choices: the same selection is the same value.
        chosen = set(self.cleaned_data.get("sms_notification_kinds") or ())
        return [kind.value for kind in SUBSCRIBABLE if kind.value in chosen]

    def clean_min_payment(self) -> Decimal:
        value: Decimal = self.cleaned_data["min_payment"]
        if value <= 0:
            raise forms.ValidationError(_("Минимальная сумма платежа должна быть больше нуля."))
        return value.quantize(Decimal("0.01"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(
            data.get(name)
            for name in ("link_by_code", "link_by_bill_total", "link_by_surname_flat")
        ):
            self.add_error(
                "link_by_code",
                _(
                    "Оставьте хотя бы один контрольный вопрос, иначе клиенты не смогут "
                    "привязать лицевой счёт."
                ),
            )
        close_time: dt.time | None = data.get("readings_close_time")
        if close_time is not None:
            data["readings_close_time"] = close_time.replace(second=0, microsecond=0)
        return data


# --- FAQ and catalog --------------------------------------------------------------------------


class ScopedContentForm(StyledModelForm):
    """A content form whose supplier and parent choices are limited to the staff's suppliers."""

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = staff
        ids = scoping.supplier_ids(staff)
        if "supplier" in self.fields:
            field = self.fields["supplier"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = scoping.visible_suppliers(staff)
            if ids is None and not self._meta.model._meta.get_field("supplier").null:
                field.empty_label = None
            elif ids is None:
                field.required = False
                field.empty_label = str(_("Для всех поставщиков"))
            else:
                field.required = True
                field.empty_label = None
        self.limit_choices(ids)

    def limit_choices(self, ids: list[int] | None) -> None:
        """Narrow parent choices (category) to the staff's suppliers."""


class FaqCategoryForm(ScopedContentForm):
    class Meta:
        model = FaqCategory
        fields = ["supplier", "name", "sort_order"]


def category_name(category: Any) -> str:
    supplier = category.supplier.short_name if category.supplier else _("Все поставщики")
    return f"{supplier}: {category.name}"


class FaqQuestionForm(ScopedContentForm):
    category = LabelledChoiceField(
        label=_("Раздел"), queryset=FaqCategory.objects.none(), label_of=category_name
    )

    class Meta:
        model = FaqQuestion
        fields = ["category", "question", "answer", "is_published", "sort_order"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 8})}

    def limit_choices(self, ids: list[int] | None) -> None:
        field = self.fields["category"]
        assert isinstance(field, forms.ModelChoiceField)
        categories = FaqCategory.objects.select_related("supplier").order_by(
            "supplier__short_name", "sort_order", "name"
        )
        field.queryset = categories if ids is None else categories.filter(supplier_id__in=ids)


class CatalogItemForm(ScopedContentForm):
    category = LabelledChoiceField(
        label=_("Раздел"),
        queryset=CatalogCategory.objects.none(),
        required=False,
        label_of=category_name,
    )

    class Meta:
        model = CatalogItem
        fields = [
            "supplier",
            "category",
            "code",
            "name",
            "description",
            "price",
            "unit",
            "is_active",
            "sort_order",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        localized_fields = ["price"]
        error_messages = {
            "code": {"invalid": _("Код — латинские буквы, цифры, дефис и подчёркивание.")},
        }

    def limit_choices(self, ids: list[int] | None) -> None:
        field = self.fields["category"]
        assert isinstance(field, forms.ModelChoiceField)
        categories = CatalogCategory.objects.select_related("supplier").order_by(
            "supplier__short_name", "sort_order", "name"
        )
        field.queryset = categories if ids is None else categories.filter(supplier_id__in=ids)

    def clean_price(self) -> Decimal | None:
        price: Decimal | None = self.cleaned_data.get("price")
        if price is not None and price < 0:
            raise forms.ValidationError(_("Цена не может быть отрицательной."))
        return price

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        supplier, category = data.get("supplier"), data.get("category")
        if supplier is not None and category is not None and category.supplier_id != supplier.pk:
            self.add_error("category", _("Этот раздел каталога — другого поставщика."))
        return data


# --- announcements ----------------------------------------------------------------------------


class AnnouncementForm(StyledForm):
    """A message to every customer of one supplier: a planned outage, a tariff change."""

    supplier = forms.ModelChoiceField(
        label=_("Поставщик"),
        queryset=Supplier.objects.none(),
        empty_label=None,
        error_messages={"required": _("Выберите поставщика.")},
    )
    topic = forms.ChoiceField(label=_("Тема"), choices=Announcement.Topic.choices)
    title = forms.CharField(
        label=_("Заголовок"),
        max_length=160,
        error_messages={"required": _("Укажите заголовок.")},
    )
    text = forms.CharField(
        label=_("Текст"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Напишите текст объявления.")},
    )

    def __init__(self, *args: Any, suppliers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["supplier"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = suppliers
