"""Password recovery by SMS code or e-mail link."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kabinet.core.models import AuditEntry
from kabinet.identity.models import User, Verification
from tests.identity.conftest import last_code, last_link, sent, solve_captcha, without_tokens

pytestmark = pytest.mark.django_db

PASSWORD = "Secret-Pass1"
NEW = "Brand-New-Pass2"
PHONE = "+79161234567"
EMAIL = "ivanov@example.org"


@pytest.fixture
def customer() -> User:
    return User.objects.create_user(
        username="c1",
        phone=PHONE,
        email=EMAIL,
        email_confirmed_at=timezone.now(),
        password=PASSWORD,
        last_name="Иванов",
        first_name="Иван",
    )


def start(client: Client, identifier: str, **extra: Any) -> Any:
    data = {"identifier": identifier, "altcha": solve_captcha(client), **extra}
    return client.post("/recover/", data)


def new_password(code: str, password: str = NEW, repeat: str | None = None) -> dict[str, str]:
    return {"password1": password, "password2": repeat or password, "code": code}


def test_it_recovers_a_password_with_an_sms_code(customer: User) -> None:
    client = Client()
    response = start(client, "8 916 123-45-67")
    assert response["Location"] == "/recover/code/"
    response = client.post("/recover/code/", new_password(last_code(PHONE)), follow=True)
    assert "Пароль успешно изменен" in response.text
    customer.refresh_from_db()
    assert customer.check_password(NEW)
    assert AuditEntry.objects.filter(action="identity.password_recovered", actor=customer).exists()
    assert Client().post("/login/", {"identifier": PHONE, "password": NEW}).status_code == 302


def test_it_recovers_a_password_with_an_e_mail_link(customer: User) -> None:
    client = Client()
    assert start(client, "Ivanov@Example.org")["Location"] == "/recover/email/sent/"
    link = last_link(EMAIL)
    other = Client()
    assert other.get(link).status_code == 200
    response = other.post(link, {"password1": NEW, "password2": NEW}, follow=True)
    assert "Пароль успешно изменен" in response.text
    customer.refresh_from_db()
    assert customer.check_password(NEW)
    # The link works once.
    assert other.post(link, {"password1": NEW, "password2": NEW}).status_code == 400


def test_a_recovery_link_expires(customer: User) -> None:
    start(Client(), EMAIL)
    Verification.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = Client().get(last_link(EMAIL))
    assert response.status_code == 400
    assert "Ссылка недействительна или устарела" in response.text


def test_it_refuses_a_wrong_code_and_keeps_the_password(customer: User) -> None:
    client = Client()
    start(client, PHONE)
    wrong = "000000" if last_code(PHONE) != "000000" else "111111"
    response = client.post("/recover/code/", new_password(wrong))
    assert response.status_code == 400
    assert "Неверный код. Осталось попыток: 4." in response.text
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_it_refuses_a_sixth_code(customer: User) -> None:
    client = Client()
    start(client, PHONE)
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post("/recover/code/", new_password(wrong))
    response = client.post("/recover/code/", new_password(code))
    assert "Превышено число попыток ввода кода" in response.text
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_it_refuses_an_expired_or_used_code(customer: User) -> None:
    client = Client()
    start(client, PHONE)
    code = last_code(PHONE)
    Verification.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert "Срок действия кода истёк" in client.post("/recover/code/", new_password(code)).text
    Verification.objects.update(expires_at=timezone.now() + dt.timedelta(minutes=5))
    assert client.post("/recover/code/", new_password(code)).status_code == 302
    other = Client()
    session = other.session
    session["identity.recover"] = Verification.objects.get().pk
    session.save()
    response = other.post("/recover/code/", new_password(code, "Third-Pass3"))
    assert "Код уже использован или недействителен" in response.text


def test_it_refuses_a_weak_or_mismatched_new_password(customer: User) -> None:
    client = Client()
    start(client, PHONE)
    code = last_code(PHONE)
    response = client.post("/recover/code/", new_password(code, "qwertyui"))
    assert response.status_code == 400
    assert "латинского алфавита" in response.text
    response = client.post("/recover/code/", new_password(code, NEW, "Other-Pass9"))
    assert "Пароли не совпадают." in response.text
    # A form error does not spend a try.
    assert Verification.objects.get().attempts == 0


def test_it_resends_a_recovery_code_after_the_cooldown(customer: User) -> None:
    client = Client()
    start(client, PHONE)
    assert "Повторная отправка возможна через" in client.post("/recover/resend/", follow=True).text
    Verification.objects.update(last_sent_at=timezone.now() - dt.timedelta(seconds=61))
    assert "Новый код отправлен." in client.post("/recover/resend/", follow=True).text
    assert len(sent(to=PHONE)) == 2


def test_it_explains_an_identifier_that_is_neither_phone_nor_e_mail() -> None:
    response = start(Client(), "иванов")
    assert response.status_code == 400
    assert "Введите номер мобильного телефона или адрес электронной почты." in response.text


def test_it_needs_a_captcha() -> None:
    response = Client().post("/recover/", {"identifier": PHONE})
    assert "Подтвердите, что вы не робот." in response.text


@pytest.mark.parametrize(
    ("known", "unknown", "kind"),
    [(PHONE, "+79161234568", "code"), (EMAIL, "petrov@example.org", "email/sent")],
)
def test_known_and_unknown_identifiers_get_identical_recovery_pages(
    customer: User, known: str, unknown: str, kind: str
) -> None:
    pages = []
    for identifier in (known, unknown):
        client = Client()
        response = start(client, identifier)
        page = client.get(response["Location"])
        display = identifier if "@" in identifier else f"+7 916 123-45-6{identifier[-1]}"
        pages.append(
            (
                response.status_code,
                response["Location"],
                without_tokens(page.text.replace(display, "X")),
            )
        )
    assert pages[0] == pages[1]
    assert pages[0][1] == f"/recover/{kind}/"
    assert not sent(to=unknown)


def test_recovery_forms_need_a_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    for url in ("/recover/", "/recover/code/", "/recover/resend/"):
        assert client.post(url, {}).status_code == 403, url
