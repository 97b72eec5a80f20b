"""Forms of the account pages: choose a supplier, link an account, edit a link."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import AccountLink, Branch, Supplier
from kabinet.billing.services import Question, allowed_questions
from kabinet.identity.forms import CaptchaField

QUESTION_LABELS = {
    Question.CODE: _("Код для привязки с квитанции"),
    Question.BILL_TOTAL: _("Сумма любой квитанции за последние 6 месяцев"),
    Question.SURNAME_FLAT: _("Фамилия владельца и номер квартиры"),
}

REQUIRED = _("Обязательное поле.")


class SupplierForm(forms.Form):
    supplier = forms.ModelChoiceField(
        label=_("Поставщик"),
        queryset=Supplier.objects.order_by("short_name"),
        empty_label=_("Выберите поставщика"),
    )


class LinkForm(forms.Form):
    branch = forms.ModelChoiceField(
        label=_("Филиал"), queryset=Branch.objects.none(), empty_label=_("Выберите филиал")
    )
    number = forms.CharField(label=_("Номер лицевого счёта"), max_length=60)
    relation = forms.ChoiceField(
        label=_("Статус отношения к ЛС"), choices=AccountLink.Relation.choices
    )
    question = forms.ChoiceField(label=_("Контрольный вопрос"))
    code = forms.CharField(
        label=_("Код для привязки"),
        max_length=32,
        required=False,
        help_text=_("Напечатан на квитанции."),
    )
    bill_total = forms.CharField(
        label=_("Сумма «Итого по счёту» или «Итого переплата»"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_(
            "Из любой квитанции за последние 6 месяцев, копейки через запятую, например 1500,00."
        ),
    )
    surname = forms.CharField(label=_("Фамилия владельца счёта"), max_length=80, required=False)
    flat = forms.CharField(label=_("Номер квартиры"), max_length=32, required=False)
    alias = forms.CharField(label=_("Название счёта"), max_length=60, required=False)
    group = forms.CharField(label=_("Группа"), max_length=60, required=False)
    paperless = forms.BooleanField(
        label=_("Получать квитанции только в электронном виде"), required=False
    )
    # Shown only while linking as a whole is under attack (services.link_account): then a solved
    # hard challenge lets a customer link where a refusal would have locked everyone out.
    altcha = CaptchaField(required=False)

    ANSWER_FIELDS = {
        Question.CODE: ("code",),
        Question.BILL_TOTAL: ("bill_total",),
        Question.SURNAME_FLAT: ("surname", "flat"),
    }

    def __init__(self, *args: Any, supplier: Supplier, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.supplier = supplier
        branches = Branch.objects.filter(supplier=supplier).order_by("name")
        if branches.exists():
            self.fields["branch"].queryset = branches  # type: ignore[attr-defined]
        else:
            del self.fields["branch"]
        questions = allowed_questions(supplier)
        question_field = self.fields["question"]
        assert isinstance(question_field, forms.ChoiceField)
        question_field.choices = [(q, QUESTION_LABELS[q]) for q in questions]
        if len(questions) == 1:
            self.fields["question"].widget = forms.HiddenInput()
            self.fields["question"].initial = questions[0]
        for question, names in self.ANSWER_FIELDS.items():
            if question not in questions:
                for name in names:
                    del self.fields[name]

    @property
    def captcha_shown(self) -> bool:
        return bool(self.fields["altcha"].widget.hard) or bool(self.data.get("altcha"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        question = data.get("question")
        for name in self.ANSWER_FIELDS.get(question or "", ()):
            if not (data.get(name) or "").strip():
                self.add_error(name, REQUIRED)
        return data


class LinkEditForm(forms.ModelForm):
    class Meta:
        model = AccountLink
        fields = ["alias", "group", "relation", "note", "paperless"]
        labels = {
            "alias": _("Название счёта"),
            "group": _("Группа"),
            "relation": _("Статус отношения к ЛС"),
            "note": _("Заметка"),
            "paperless": _("Получать квитанции только в электронном виде"),
        }
        widgets = {"note": forms.TextInput(attrs={"placeholder": _("Введите заметку")})}


class GroupForm(forms.Form):
    group = forms.CharField(
        label=_("Группа"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"list": "account-groups"}),
        help_text=_(
            "Счета одной группы стоят рядом в «Ваших счетах». По умолчанию группа — адрес."
        ),
    )

    def clean_group(self) -> str:
        return str(self.cleaned_data["group"]).strip()


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label=_("Период"), required=False)


class InviteForm(forms.Form):
    address = forms.CharField(
        label=_("Телефон или e-mail члена семьи"),
        max_length=254,
        help_text=_(
            "Пришлём приглашение. Принять его можно, войдя в кабинет с этим телефоном или e-mail."
        ),
        error_messages={"required": REQUIRED},
    )


class AcceptInvitationForm(forms.Form):
    relation = forms.ChoiceField(
        label=_("Статус отношения к ЛС"),
        choices=AccountLink.Relation.choices,
        initial=AccountLink.Relation.RESIDENT,
    )


EMAIL, PAPER = "email", "paper"


class PaperlessForm(forms.Form):
    """«Получение счета по e-mail»: e-mail or paper for each linked account, one radio pair a
    row. Field ``account_<id>`` per link; ``choices()`` gives what the service takes."""

    def __init__(self, *args: Any, links: list[AccountLink], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.links = links
        for link in links:
            self.fields[f"account_{link.account_id}"] = forms.ChoiceField(
                label=str(link.account),
                choices=[(EMAIL, _("E-mail")), (PAPER, _("Бумажный"))],
                initial=EMAIL if link.paperless else PAPER,
                widget=forms.RadioSelect,
                error_messages={"required": _("Выберите e-mail или бумажную квитанцию.")},
            )

    def rows(self) -> list[tuple[AccountLink, forms.BoundField]]:
        return [(link, self[f"account_{link.account_id}"]) for link in self.links]

    def choices(self) -> dict[int, bool]:
        return {
            link.account_id: self.cleaned_data[f"account_{link.account_id}"] == EMAIL
            for link in self.links
        }


class MarketingForm(forms.Form):
    """«Рекламно-информационные рассылки»: e-mail and SMS per supplier. Without a marketing
    consent in force, ticking a mailing needs the consent ticked too."""

    consent = forms.BooleanField(
        label=_("Я согласен получать рекламно-информационные рассылки"), required=False
    )

    def __init__(
        self,
        *args: Any,
        suppliers: list[Supplier],
        chosen: set[tuple[int, str]],
        consented: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.suppliers = suppliers
        self.consented = consented
        if consented:
            del self.fields["consent"]
        for supplier in suppliers:
            for channel in (EMAIL, "sms"):
                self.fields[f"s{supplier.pk}_{channel}"] = forms.BooleanField(
                    label=f"{supplier.short_name}: {channel}",
                    required=False,
                    initial=(supplier.pk, channel) in chosen,
                )

    def rows(self) -> list[tuple[Supplier, forms.BoundField, forms.BoundField]]:
        return [
            (supplier, self[f"s{supplier.pk}_email"], self[f"s{supplier.pk}_sms"])
            for supplier in self.suppliers
        ]

    def wanted(self) -> set[tuple[int, str]]:
        return {
            (supplier.pk, channel)
            for supplier in self.suppliers
            for channel in (EMAIL, "sms")
            if self.cleaned_data.get(f"s{supplier.pk}_{channel}")
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.consented and self.wanted() and not cleaned.get("consent"):
            self.add_error(
                "consent",
                _("Чтобы получать рассылки, дайте согласие на их получение."),
            )
        return cleaned
