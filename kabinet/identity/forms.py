"""Forms of registration, login, recovery and personal details (Russian texts)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.core.forms import DateInput, TelInput
from kabinet.identity import captcha
from kabinet.identity.backends import Identifier, normalize_phone, parse_identifier
from kabinet.identity.models import Consent, User
from kabinet.identity.services.registration import PersonalDetails

REQUIRED = gettext_lazy("Обязательно для заполнения")


class AltchaWidget(forms.Widget):
    """The ALTCHA web component; it posts the solved payload under the field's name.

    ``hard`` asks for the harder challenge (see ``captcha.challenge_json``).
    """

    hard = False

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        strings = {
            "label": _("Я не робот"),
            "verifying": _("Проверка…"),
            "verified": _("Проверка пройдена"),
            "error": _("Проверка не удалась. Попробуйте ещё раз."),
            "expired": _("Время проверки истекло. Попробуйте ещё раз."),
            "waitAlert": _("Идёт проверка… подождите."),
            "ariaLinkLabel": _("ALTCHA"),
            "footer": "",
        }
        return format_html(
            '<altcha-widget name="{}" challengeurl="{}" hidefooter hidelogo strings="{}"'
            ' id="{}"></altcha-widget>',
            name,
            reverse("identity:captcha_challenge") + ("?level=hard" if self.hard else ""),
            json.dumps(strings, ensure_ascii=False),
            (attrs or {}).get("id", f"id_{name}"),
        )

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


class CaptchaField(forms.CharField):
    """A solved ALTCHA challenge; each solution passes once.

    Cleans to the level of the challenge solved, ``captcha.HARD`` or ``captcha.NORMAL`` (or ""
    when the field is optional and empty).
    """

    widget = AltchaWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Проверка"))
        kwargs.setdefault(
            "error_messages", {"required": gettext_lazy("Подтвердите, что вы не робот.")}
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value:
            return ""
        level = captcha.payload_level(value)
        if level is None:
            raise forms.ValidationError(
                _("Проверка «Я не робот» не пройдена. Пройдите её ещё раз."), code="captcha"
            )
        return level


def ask_for_hard_captcha(form: forms.Form, message: str) -> None:
    """Show ``message`` at the form's captcha and have its widget fetch a hard challenge.

    What a customer gets instead of a refusal when a limit strangers can use up has tripped.
    """
    field = form.fields["altcha"]
    field.required = True
    field.widget.hard = True
    form.add_error("altcha", forms.ValidationError(message, code="captcha_required"))


def solved_hard_captcha(form: forms.Form) -> bool:
    return form.cleaned_data.get("altcha") == captcha.HARD


class PhoneField(forms.CharField):
    """A mobile phone typed any usual way; cleaned to E.164."""

    widget = TelInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Мобильный телефон"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("error_messages", {"required": REQUIRED})
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "tel", "placeholder": "+7 900 123-45-67"})

    def clean(self, value: Any) -> str:
        raw = super().clean(value)
        if not raw:
            return raw
        phone = normalize_phone(raw)
        if phone is None:
            raise forms.ValidationError(
                _("Неверный номер телефона. Введите его в виде +7 900 123-45-67."),
                code="invalid_phone",
            )
        return phone


class ConsentsMixin(forms.Form):
    """Separate checkboxes: personal data and user agreement required, marketing optional."""

    consent_personal_data = forms.BooleanField(
        label=gettext_lazy("Согласие на обработку персональных данных"),
        error_messages={
            "required": gettext_lazy(
                "Без согласия на обработку персональных данных регистрация невозможна."
            )
        },
    )
    consent_user_agreement = forms.BooleanField(
        label=gettext_lazy("Пользовательское соглашение"),
        error_messages={"required": gettext_lazy("Примите пользовательское соглашение.")},
    )
    consent_marketing = forms.BooleanField(
        label=gettext_lazy("Согласие на получение рекламно-информационных рассылок"),
        required=False,
    )

    def accepted_consents(self) -> list[str]:
        kinds = [Consent.Kind.PERSONAL_DATA, Consent.Kind.USER_AGREEMENT]
        if self.cleaned_data.get("consent_marketing"):
            kinds.append(Consent.Kind.MARKETING)
        return [str(k) for k in kinds]


class PasswordPairMixin(forms.Form):
    """«Придумайте пароль» and «Повтор пароля», checked against the password policy."""

    password1 = forms.CharField(
        label=gettext_lazy("Придумайте пароль"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": REQUIRED},
    )
    password2 = forms.CharField(
        label=gettext_lazy("Повтор пароля"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": REQUIRED},
    )
    password_user: User | None = None

    def clean_password2(self) -> str:
        password1 = self.cleaned_data.get("password1")
        password2 = self.cleaned_data["password2"]
        if password1 and password1 != password2:
            raise forms.ValidationError(_("Пароли не совпадают."), code="password_mismatch")
        return password2

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        password = self.cleaned_data.get("password2")
        if password and not self.has_error("password2"):
            try:
                validate_password(password, self.password_user)
            except forms.ValidationError as error:
                self.add_error("password1", error)


class PersonalDetailsMixin(forms.Form):
    last_name = forms.CharField(
        label=gettext_lazy("Фамилия"), max_length=150, error_messages={"required": REQUIRED}
    )
    first_name = forms.CharField(
        label=gettext_lazy("Имя"), max_length=150, error_messages={"required": REQUIRED}
    )
    patronymic = forms.CharField(label=gettext_lazy("Отчество"), max_length=150, required=False)
    birth_date = forms.DateField(
        label=gettext_lazy("Дата рождения"),
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={"invalid": gettext_lazy("Введите дату в формате ДД.ММ.ГГГГ.")},
    )
    gender = forms.ChoiceField(
        label=gettext_lazy("Пол"), choices=User.Gender.choices, required=False
    )

    def clean_birth_date(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("birth_date")
        today = timezone.localdate()
        if value and not (dt.date(1900, 1, 1) <= value <= today):
            raise forms.ValidationError(_("Проверьте дату рождения."), code="birth_date_range")
        return value

    def personal_details(self) -> PersonalDetails:
        data = self.cleaned_data
        return PersonalDetails(
            last_name=data["last_name"].strip(),
            first_name=data["first_name"].strip(),
            patronymic=data.get("patronymic", "").strip(),
            birth_date=data.get("birth_date"),
            gender=data.get("gender") or "",
        )


class PhoneRegistrationForm(ConsentsMixin, forms.Form):
    phone = PhoneField()
    altcha = CaptchaField()

    field_order = [
        "phone",
        "consent_personal_data",
        "consent_user_agreement",
        "consent_marketing",
        "altcha",
    ]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Код"),
        max_length=12,
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(ch for ch in self.cleaned_data["code"] if ch.isdigit())
        if len(code) != 6:
            raise forms.ValidationError(_("Код состоит из 6 цифр."), code="code_format")
        return code


class PhonePasswordForm(PasswordPairMixin, PersonalDetailsMixin, forms.Form):
    # Seed 004: the e-mail is asked during phone registration; confirmed by a link, it lets the
    # customer log in by e-mail too.
    email = forms.EmailField(
        label=gettext_lazy("E-mail"),
        required=False,
        max_length=254,
        help_text=gettext_lazy(
            "Необязательно. Пришлём письмо со ссылкой: подтвердите адрес в течение 60 часов, "
            "и сможете входить и по e-mail."
        ),
        error_messages={"invalid": gettext_lazy("Введите правильный адрес электронной почты.")},
    )

    field_order = [
        "password1",
        "password2",
        "last_name",
        "first_name",
        "patronymic",
        "birth_date",
        "gender",
        "email",
    ]

    def clean_email(self) -> str:
        return str(self.cleaned_data.get("email") or "").strip().lower()


class EmailRegistrationForm(PasswordPairMixin, ConsentsMixin, forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("E-mail"),
        max_length=254,
        error_messages={
            "required": REQUIRED,
            "invalid": gettext_lazy("Введите правильный адрес электронной почты."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    altcha = CaptchaField()

    field_order = [
        "email",
        "password1",
        "password2",
        "consent_personal_data",
        "consent_user_agreement",
        "consent_marketing",
        "altcha",
    ]

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class PersonalDetailsForm(PersonalDetailsMixin, forms.Form):
    """The first-login form (seed 003, Рис. 7); asks for the phone too where it is required
    and missing (``ask_phone``)."""

    phone = PhoneField(required=False)

    def __init__(self, *args: Any, ask_phone: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if ask_phone:
            self.fields["phone"].required = True
        else:
            del self.fields["phone"]


class LoginForm(forms.Form):
    identifier = forms.CharField(
        label=gettext_lazy("Телефон или E-mail"),
        max_length=254,
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=gettext_lazy("Пароль"),
        strip=False,
        max_length=4096,
        error_messages={"required": REQUIRED},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    remember = forms.BooleanField(label=gettext_lazy("Запомнить"), required=False)
    # Shown only while the identifier is under attack (see services.login): then a solved hard
    # challenge lets the owner in where a refusal would have locked them out.
    altcha = CaptchaField(required=False)

    @property
    def captcha_shown(self) -> bool:
        return bool(self.fields["altcha"].widget.hard) or bool(self.data.get("altcha"))


class RecoveryForm(forms.Form):
    identifier = forms.CharField(
        label=gettext_lazy("Телефон или E-mail"),
        max_length=254,
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    altcha = CaptchaField()

    def clean_identifier(self) -> Identifier:
        parsed = parse_identifier(self.cleaned_data["identifier"])
        if parsed is None:
            raise forms.ValidationError(
                _("Введите номер мобильного телефона или адрес электронной почты."),
                code="invalid_identifier",
            )
        return parsed


class RecoveryCodeForm(PasswordPairMixin, CodeForm):
    field_order = ["password1", "password2", "code"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = _("Пароль")
        self.fields["code"].label = _("Введите код подтверждения")


class NewPasswordForm(PasswordPairMixin, forms.Form):
    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.password_user = user
        self.fields["password1"].label = _("Пароль")
