"""Profile pages: names, password, phone, e-mail (seed 001 Рис. 17/18, seed 004 §4.5.4)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kabinet.core.models import AuditEntry
from kabinet.identity.models import ApiToken, User, Verification
from kabinet.identity.services import profile
from kabinet.identity.services.profile import ProfileError
from kabinet.identity.services.tokens import issue_token
from tests.factories import PASSWORD, make_customer
from tests.identity.conftest import last_code, last_link, sent

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Another-Pass-7788"


def field_errors(response: Any, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


def audit_actions(user: User) -> list[str]:
    return list(
        AuditEntry.objects.filter(actor=user).order_by("at").values_list("action", flat=True)
    )


# --- pages ------------------------------------------------------------------------------------


def test_it_sends_an_anonymous_visitor_to_the_login_page(client: Client) -> None:
    response = client.get(reverse("profile:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


def test_it_shows_the_profile_with_an_unconfirmed_email(client_in: Client, customer: User) -> None:
    response = client_in.get(reverse("profile:index"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Иванова Мария" in html
    assert str(customer.phone) in html
    assert str(customer.email) in html
    assert "Подтвердить e-mail" in html
    assert "●●●●●●" in html


# --- names ------------------------------------------------------------------------------------


def test_it_saves_names_gender_and_birth_date(client_in: Client, customer: User) -> None:
    response = client_in.post(
        reverse("profile:edit"),
        {
            "last_name": "Петрова",
            "first_name": "Анна",
            "patronymic": "Сергеевна",
            "last_name_latin": "Petrova",
            "first_name_latin": "Anna",
            "gender": "female",
            "birth_date": "05.02.2002",
        },
        follow=True,
    )
    assert "Личные данные сохранены." in response.content.decode()
    customer.refresh_from_db()
    assert customer.get_full_name() == "Петрова Анна Сергеевна"
    assert (customer.last_name_latin, customer.first_name_latin) == ("Petrova", "Anna")
    assert customer.gender == User.Gender.FEMALE
    assert customer.birth_date == dt.date(2002, 2, 5)
    entry = AuditEntry.objects.get(actor=customer, action="identity.profile_updated")
    # The log names what changed, never the values: it outlives the person.
    assert "Петрова" not in str(entry.data)
    assert set(entry.data["fields"]) >= {"last_name", "first_name", "birth_date"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"last_name": ""}, "last_name", "Обязательное поле."),
        ({"first_name": "  "}, "first_name", "Обязательное поле."),
        ({"birth_date": "2999-01-01"}, "birth_date", "Дата рождения не может быть в будущем."),
        ({"birth_date": "1850-01-01"}, "birth_date", "Проверьте дату рождения."),
        ({"birth_date": "31.02.2000"}, "birth_date", "Введите правильную дату."),
        ({"last_name_latin": "Петрова"}, "last_name_latin", "латинские"),
        ({"gender": "other"}, "gender", "Выберите корректный вариант"),
    ],
)
def test_it_shows_bad_personal_details_under_their_field(
    client_in: Client, customer: User, data: dict[str, str], field: str, message: str
) -> None:
    form = {"last_name": "Петрова", "first_name": "Анна", "gender": "", "birth_date": ""}
    form.update(data)
    response = client_in.post(reverse("profile:edit"), form)
    assert response.status_code == 200
    assert any(message in error for error in field_errors(response, field))
    assert message.split(".")[0] in response.content.decode()
    customer.refresh_from_db()
    assert customer.last_name == "Иванова"


def test_the_service_refuses_what_the_form_would(customer: User) -> None:
    with pytest.raises(ProfileError) as error:
        profile.update_profile(user=customer, last_name="", first_name="Анна")
    assert list(error.value.fields) == ["last_name"]
    with pytest.raises(ProfileError) as error:
        profile.update_profile(
            user=customer,
            last_name="Петрова",
            first_name="Анна",
            birth_date=timezone.localdate() + dt.timedelta(days=1),
        )
    assert list(error.value.fields) == ["birth_date"]


def test_it_refuses_a_post_without_the_csrf_token(customer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    response = client.post(reverse("profile:edit"), {"last_name": "Петрова", "first_name": "Анна"})
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.last_name == "Иванова"


# --- password ---------------------------------------------------------------------------------


def change_password(client: Client, old: str, new: str, repeat: str | None = None) -> Any:
    return client.post(
        reverse("profile:password"),
        {"current_password": old, "new_password": new, "new_password2": repeat or new},
    )


def test_it_changes_the_password_and_ends_other_sessions(client_in: Client, customer: User) -> None:
    other_device = Client()
    other_device.force_login(customer)
    token, _key = issue_token(user=customer, label="phone")

    response = change_password(client_in, PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    # This browser stays logged in, the other one is out, and app tokens are revoked.
    assert client_in.get(reverse("profile:index")).status_code == 200
    assert other_device.get(reverse("profile:index")).status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert "identity.password_changed" in audit_actions(customer)


@pytest.mark.parametrize(
    ("old", "new", "repeat", "field", "message"),
    [
        ("wrong-Password-1", NEW_PASSWORD, None, "current_password", "Неверный текущий пароль."),
        (PASSWORD, NEW_PASSWORD, "Another-Pass-7789", "new_password2", "Пароли не совпадают."),
        (PASSWORD, "Ab1", None, "new_password", "слишком короткий"),
        (PASSWORD, "12345678", None, "new_password", "слишком широко распространён"),
        (PASSWORD, "onlysmallletters1", None, "new_password", "латинск"),
    ],
)
def test_it_refuses_a_bad_password_change(
    client_in: Client,
    customer: User,
    old: str,
    new: str,
    repeat: str | None,
    field: str,
    message: str,
) -> None:
    response = change_password(client_in, old, new, repeat)
    assert response.status_code == 200
    assert any(message in error for error in field_errors(response, field)), response.context[
        "form"
    ].errors
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


# --- phone ------------------------------------------------------------------------------------

NEW_PHONE = "+79161112233"


def start_phone(client: Client, phone: str = "8 (916) 111-22-33", password: str = PASSWORD) -> Any:
    return client.post(reverse("profile:phone"), {"phone": phone, "current_password": password})


def test_it_changes_the_phone_after_an_sms_code_to_the_new_number(
    client_in: Client, customer: User
) -> None:
    response = start_phone(client_in)
    assert response.status_code == 302
    assert response["Location"] == reverse("profile:phone-confirm")
    page = client_in.get(reverse("profile:phone-confirm"))
    assert NEW_PHONE in page.content.decode()

    response = client_in.post(
        reverse("profile:phone-confirm"), {"code": last_code(NEW_PHONE)}, follow=True
    )

    assert "Номер телефона изменён." in response.content.decode()
    customer.refresh_from_db()
    assert customer.phone == NEW_PHONE
    assert customer.phone_confirmed_at is not None
    assert audit_actions(customer)[-2:] == [
        "identity.phone_change_started",
        "identity.phone_changed",
    ]
    assert NEW_PHONE not in str(list(AuditEntry.objects.values_list("data", flat=True)))


@pytest.mark.parametrize(
    ("phone", "password", "field", "message"),
    [
        ("+7 916 111-22-33", "wrong-Password-1", "current_password", "Неверный текущий пароль."),
        ("12345", PASSWORD, "phone", "Введите номер мобильного телефона"),
    ],
)
def test_it_refuses_a_phone_change_with_bad_input(
    client_in: Client, customer: User, phone: str, password: str, field: str, message: str
) -> None:
    response = start_phone(client_in, phone, password)
    assert response.status_code == 200
    assert any(message in e for e in field_errors(response, field))
    assert sent(channel="sms") == []


def test_it_refuses_the_current_number(client_in: Client, customer: User) -> None:
    response = start_phone(client_in, customer.phone or "")
    assert field_errors(response, "phone") == ["Это ваш текущий номер."]


def test_a_wrong_code_does_not_change_the_phone_and_dies_after_five_tries(
    client_in: Client, customer: User
) -> None:
    start_phone(client_in)
    code = last_code(NEW_PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    tries = settings.VERIFICATION_CODE_ATTEMPTS
    for attempt in range(1, tries + 1):
        response = client_in.post(reverse("profile:phone-confirm"), {"code": wrong})
        expected = (
            f"Неверный код. Осталось попыток: {tries - attempt}."
            if attempt < tries - 1
            else "Неверный код. Осталась 1 попытка."
            if attempt == tries - 1
            else "Превышено число попыток ввода кода. Запросите новый код."
        )
        assert field_errors(response, "code") == [expected]
    # Even the right code is useless now: guessing is capped.
    client_in.post(reverse("profile:phone-confirm"), {"code": code})
    customer.refresh_from_db()
    assert customer.phone != NEW_PHONE


def test_an_expired_code_does_not_change_the_phone(client_in: Client, customer: User) -> None:
    start_phone(client_in)
    Verification.objects.filter(user=customer).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client_in.post(reverse("profile:phone-confirm"), {"code": last_code(NEW_PHONE)})
    assert field_errors(response, "code") == ["Неверный или устаревший код. Запросите новый."]
    customer.refresh_from_db()
    assert customer.phone != NEW_PHONE


def test_a_number_of_another_user_gets_the_same_answer_but_never_moves(
    client_in: Client, customer: User
) -> None:
    owner = make_customer(phone=NEW_PHONE)
    response = start_phone(client_in)
    # The same redirect to the code form as for a free number: nothing tells it is taken.
    assert response.status_code == 302
    assert response["Location"] == reverse("profile:phone-confirm")
    message = sent(to=NEW_PHONE, channel="sms")[-1]["body"]
    assert not re.search(r"\b\d{6}\b", message)  # the owner is warned, gets no code
    for code in ("000000", "123456"):
        client_in.post(reverse("profile:phone-confirm"), {"code": code})
    customer.refresh_from_db()
    owner.refresh_from_db()
    assert customer.phone != NEW_PHONE
    assert owner.phone == NEW_PHONE


# --- e-mail -----------------------------------------------------------------------------------

NEW_EMAIL = "new.address@example.ru"


def start_email(
    client: Client, email: str = "New.Address@Example.ru", password: str = PASSWORD
) -> Any:
    return client.post(reverse("profile:email"), {"email": email, "current_password": password})


def test_it_changes_the_email_after_the_link_is_followed(client_in: Client, customer: User) -> None:
    response = start_email(client_in)
    assert response.status_code == 302
    link = last_link(NEW_EMAIL)
    assert "60 час" in sent(to=NEW_EMAIL)[-1]["body"]

    # Opening the link (as a mail scanner would) confirms nothing; the button does.
    page = Client().get(link)
    assert "Подтвердить e-mail" in page.content.decode()
    customer.refresh_from_db()
    assert customer.email != NEW_EMAIL

    Client().post(link)
    customer.refresh_from_db()
    assert customer.email == NEW_EMAIL
    assert customer.email_confirmed_at is not None
    # Single use.
    assert "Ссылка недействительна" in Client().get(link).content.decode()


def test_an_email_link_expires_after_60_hours(client_in: Client, customer: User) -> None:
    start_email(client_in)
    verification = Verification.objects.get(user=customer, used_at__isnull=True)
    assert verification.expires_at - verification.created_at == dt.timedelta(hours=60)
    Verification.objects.filter(pk=verification.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    Client().post(last_link(NEW_EMAIL))
    customer.refresh_from_db()
    assert customer.email != NEW_EMAIL


def test_an_address_of_another_user_gets_the_same_answer_but_never_moves(
    client_in: Client, customer: User
) -> None:
    owner = make_customer(email=NEW_EMAIL)
    response = start_email(client_in)
    assert response.status_code == 302
    assert response["Location"] == reverse("profile:index")
    letter = sent(to=NEW_EMAIL, channel="email")[-1]
    assert "/profile/email/confirm/" not in letter["body"]
    customer.refresh_from_db()
    owner.refresh_from_db()
    assert customer.email != NEW_EMAIL
    assert owner.email == NEW_EMAIL


def test_it_refuses_an_email_change_with_a_wrong_password(
    client_in: Client, customer: User
) -> None:
    response = start_email(client_in, password="wrong-Password-1")
    assert field_errors(response, "current_password") == ["Неверный текущий пароль."]
    assert sent(channel="email") == []


def test_it_confirms_the_current_unconfirmed_email(client_in: Client, customer: User) -> None:
    assert customer.email
    response = client_in.post(reverse("profile:email-send"), follow=True)
    assert "Мы отправили письмо со ссылкой" in response.content.decode()
    client_in.post(last_link(customer.email))
    customer.refresh_from_db()
    assert customer.email_confirmed_at is not None
    assert "identity.email_confirmed" in audit_actions(customer)
    # Confirmed now: the button is gone.
    assert "Подтвердить e-mail" not in client_in.get(reverse("profile:index")).content.decode()
