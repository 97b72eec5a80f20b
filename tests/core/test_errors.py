"""ServiceError's shape and ``add_service_error``: a field's message under its field, the rest on
top — on a bare form and on real pages."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from kabinet.billing.services import LinkError
from kabinet.core.errors import ServiceError
from kabinet.core.forms import add_service_error
from kabinet.identity.services.profile import ProfileError
from kabinet.metering.services import ReadingsError
from kabinet.payments.services import PaymentError
from kabinet.support.services import SupportError
from tests.factories import make_account, make_supplier


class NameForm(forms.Form):
    name = forms.CharField()
    phone = forms.CharField()


def bound_form() -> NameForm:
    form = NameForm({"name": "Мария", "phone": "+79160000000"})
    assert form.is_valid()
    return form


@pytest.mark.parametrize(
    "error_class", [ProfileError, LinkError, ReadingsError, SupportError, PaymentError]
)
def test_every_app_refusal_is_a_service_error(error_class: type[Exception]) -> None:
    assert issubclass(error_class, ServiceError)


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


@pytest.mark.django_db
def test_a_page_shows_a_general_refusal_above_the_form(client_in: Client) -> None:
    supplier = make_supplier()
    make_account(supplier, number="700123", link_code="Q1W2E3")
    response = client_in.post(
        f"{reverse('accounts:link')}?supplier={supplier.pk}",
        {"number": "700123", "relation": "owner", "question": "code", "code": "WRONG"},
    )
    message = "Неверные данные для привязки лицевого счёта"
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [message]
    summary = re.search(r'<div class="alert[^"]*" role="alert".*?</div>', response.text, re.S)
    assert summary is not None
    assert f"<li>{message}</li>" in summary.group(0)
    assert 'class="invalid-feedback"' not in response.text


@pytest.mark.django_db
def test_a_page_shows_a_field_refusal_next_to_its_field(client_in: Client) -> None:
    response = client_in.post(
        reverse("profile:email"),
        {"email": "new.address@example.ru", "current_password": "wrong-Password-1"},
    )
    message = "Неверный текущий пароль."
    assert response.status_code == 200
    assert response.context["form"].errors == {"current_password": [message]}
    assert (
        f'<div class="invalid-feedback" id="id_current_password_error">{message}</div>'
        in response.text
    )
    # The summary above the form repeats it as a link to the field, not as a general refusal.
    assert f'<a class="alert-link" href="#id_current_password">Пароль: {message}</a>' in (
        response.text
    )


# Exceptions that never reach a person as a refusal: a provider's failure (the service turns it
# into its own ServiceError), an importer's row problem (reported per line), an invalid value a
# parser or a form field turns into its message, the limiter's outage.
NOT_REFUSALS = {
    "DeliveryError",
    "ProviderError",
    "ValueProblem",
    "_Rejected",
    "FileProblem",
    "LimiterUnavailable",
    "RublesError",
    "NotHttpUrl",
    "Unreachable",
    "RequisitesMissing",
    "NotAnObject",  # the API's body parser; errors.install answers it with a 422
    "_Fallback",  # the bulk import's signal to hand a file to the line-by-line importer
}


def test_every_refusal_a_service_raises_is_a_service_error() -> None:
    """One error type: a refusal the pages and the API show is a ServiceError with a code."""
    import importlib
    import inspect
    import pkgutil

    import kabinet

    found = {}
    for module_info in pkgutil.walk_packages(kabinet.__path__, "kabinet."):
        if ".migrations" in module_info.name or module_info.name.endswith("wsgi"):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Exception)
                and value.__module__ == module.__name__
            ):
                found[name] = value
    assert {"LinkError", "ReadingsError", "LoginFailed", "DeliveryRefused"} <= set(found)
    strays = sorted(
        name
        for name, cls in found.items()
        if name not in NOT_REFUSALS and not issubclass(cls, ServiceError)
    )
    assert strays == []
