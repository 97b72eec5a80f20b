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
