"""ServiceError's shape and ``add_service_error``: a field's message under its field, the rest on
top."""

from __future__ import annotations

from django import forms

from kabinet.core.errors import ServiceError
from kabinet.core.forms import add_service_error


class NameForm(forms.Form):
    name = forms.CharField()
    phone = forms.CharField()


def bound_form() -> NameForm:
    form = NameForm({"name": "Мария", "phone": "+79160000000"})
    assert form.is_valid()
    return form


def test_fields_are_lists_of_texts_whatever_was_passed() -> None:
    error = ServiceError(
        "invalid",
        "Проверьте данные.",
        {"name": "Одно.", "phone": ("Первое.", "Второе.")},
    )
    assert error.fields == {"name": ["Одно."], "phone": ["Первое.", "Второе."]}


def test_field_puts_the_message_on_one_input() -> None:
    error = ServiceError("required", "Заполните это поле.", field="name")
    assert (error.code, error.message, error.fields) == (
        "required",
        "Заполните это поле.",
        {"name": ["Заполните это поле."]},
    )
    assert ServiceError("throttled", "Позже.").fields == {}


def test_a_field_message_goes_under_its_field_and_is_not_repeated_on_top() -> None:
    form = bound_form()
    add_service_error(form, ServiceError("invalid_phone", "Неверный номер.", field="phone"))
    assert form.errors == {"phone": ["Неверный номер."]}
    assert form.non_field_errors() == []


def test_a_general_message_goes_on_top() -> None:
    form = bound_form()
    add_service_error(form, ServiceError("throttled", "Слишком много попыток."))
    assert form.non_field_errors() == ["Слишком много попыток."]
    assert not form.has_error("name")
    assert not form.has_error("phone")


def test_a_field_the_form_lacks_and_a_summary_go_on_top() -> None:
    form = bound_form()
    error = ServiceError(
        "invalid", "Проверьте данные.", {"name": ["Слишком длинно."], "total": ["Укажите сумму."]}
    )
    add_service_error(form, error)
    assert form.errors["name"] == ["Слишком длинно."]
    assert form.non_field_errors() == ["Укажите сумму.", "Проверьте данные."]
