"""Forms of the profile pages.

They check what a form can check on its own (required fields, formats, the repeated password);
the rules that involve the stored user live in services/profile.py, whose ProfileError is put
back under its field with ``core.forms.add_service_error``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.core.forms import TelInput
from kabinet.identity.models import User
from kabinet.identity.services.profile import ProfileError, check_birth_date


class _DateInput(forms.DateInput):
    # The browser's date picker; it sends ISO dates whatever the locale shows.
    input_type = "date"


class _PasswordInput(forms.PasswordInput):
    def __init__(self, autocomplete: str) -> None:
        super().__init__(attrs={"autocomplete": autocomplete})


class ProfileForm(forms.Form):
    """«Редактирование личных данных»."""

    last_name = forms.CharField(label=_("Фамилия"), max_length=150)
    last_name_latin = forms.CharField(label=_("Фамилия латиницей"), max_length=150, required=False)
    first_name = forms.CharField(label=_("Имя"), max_length=150)
    first_name_latin = forms.CharField(label=_("Имя латиницей"), max_length=150, required=False)
    patronymic = forms.CharField(label=_("Отчество"), max_length=150, required=False)
    gender = forms.ChoiceField(label=_("Пол"), choices=User.Gender.choices, required=False)
    birth_date = forms.DateField(
        label=_("Дата рождения"),
        required=False,
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        widget=_DateInput(format="%Y-%m-%d"),
    )

    def clean_last_name_latin(self) -> str:
        return _latin(self.cleaned_data["last_name_latin"])

    def clean_first_name_latin(self) -> str:
        return _latin(self.cleaned_data["first_name_latin"])

    def clean_birth_date(self) -> Any:
        value = self.cleaned_data["birth_date"]
        try:
            check_birth_date(value)
        except ProfileError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        return value


def _latin(value: str) -> str:
    # Names as in a foreign passport: Latin letters, spaces, hyphens and apostrophes only.
    if value and not all(c.isascii() and (c.isalpha() or c in " -'") for c in value):
        raise forms.ValidationError(
            _("Используйте только латинские буквы, пробел, дефис и апостроф."), code="not_latin"
        )
    return value


class PasswordChangeForm(forms.Form):
    """«Изменить пароль»: старый пароль, новый пароль, подтвердить пароль."""

    current_password = forms.CharField(
        label=_("Старый пароль"), strip=False, widget=_PasswordInput("current-password")
    )
    new_password = forms.CharField(
        label=_("Новый пароль"), strip=False, widget=_PasswordInput("new-password")
    )
    new_password2 = forms.CharField(
        label=_("Подтвердить пароль"), strip=False, widget=_PasswordInput("new-password")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new, repeat = data.get("new_password"), data.get("new_password2")
        if new and repeat and new != repeat:
            self.add_error("new_password2", _("Пароли не совпадают."))
        return data


class PhoneChangeForm(forms.Form):
    phone = forms.CharField(
        label=_("Новый номер"),
        max_length=32,
        widget=TelInput(attrs={"autocomplete": "tel"}),
    )
    current_password = forms.CharField(
        label=_("Пароль"), strip=False, widget=_PasswordInput("current-password")
    )


class PhoneCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Код из SMS"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label=_("Новый e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    current_password = forms.CharField(
        label=_("Пароль"), strip=False, widget=_PasswordInput("current-password")
    )


class DeleteUserForm(forms.Form):
    current_password = forms.CharField(
        label=_("Пароль"), strip=False, widget=_PasswordInput("current-password")
    )
    confirm = forms.BooleanField(
        label=_(
            "Я понимаю, что учётная запись и мои персональные данные будут удалены без "
            "возможности восстановления"
        ),
        error_messages={"required": _("Подтвердите удаление.")},
    )


class WithdrawPersonalDataForm(forms.Form):
    current_password = forms.CharField(
        label=_("Пароль"), strip=False, widget=_PasswordInput("current-password")
    )
    confirm = forms.BooleanField(
        label=_(
            "Я понимаю, что после отзыва согласия учётная запись будет закрыта, а мои "
            "персональные данные удалены без возможности восстановления"
        ),
        error_messages={"required": _("Подтвердите отзыв согласия.")},
    )
