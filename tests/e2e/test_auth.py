"""The customer's way in, in a real browser: register by phone or e-mail, log in, recover."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from kabinet.identity.models import User
from tests.identity.conftest import last_code, last_link

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Secret-Pass1"


@pytest.fixture(autouse=True)
def _auth_settings(settings: Any, live_server: LiveServer) -> None:
    settings.ALTCHA_MAX_NUMBER = 5000
    settings.SITE_URL = live_server.url


def pass_captcha(page: Page) -> None:
    page.get_by_text("Я не робот").click()
    expect(page.locator("altcha-widget [data-state='verified']")).to_be_attached()


def accept_consents(page: Page) -> None:
    page.get_by_label("Согласие на обработку персональных данных").check()
    page.get_by_label("Пользовательское соглашение").check()


def test_a_customer_registers_by_phone(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Регистрация").first.click()
    page.get_by_label("Мобильный телефон").fill("8 916 123-45-67")
    accept_consents(page)
    pass_captcha(page)
    page.get_by_role("button", name="Продолжить").click()
    expect(page.get_by_text("Вам выслан код на номер +7 916 123-45-67")).to_be_visible()

    page.get_by_label("Код").fill(last_code("+79161234567"))
    page.get_by_role("button", name="Продолжить").click()
    page.get_by_label("Придумайте пароль").fill(PASSWORD)
    page.get_by_label("Повтор пароля").fill(PASSWORD)
    page.get_by_label("Фамилия").fill("Иванов")
    page.locator("#id_first_name").fill("Иван")
    page.get_by_role("button", name="Зарегистрироваться").click()

    expect(page.get_by_text("Вы успешно зарегистрировались")).to_be_visible()
    expect(page.locator("#user-menu")).to_have_text("Иванов Иван")
    assert User.objects.get().phone == "+79161234567"


def test_a_customer_registers_by_e_mail_and_fills_in_the_details(page: Page) -> None:
    page.goto("/register/email/")
    page.get_by_label("E-mail").fill("ivanov@example.org")
    page.get_by_label("Придумайте пароль").fill(PASSWORD)
    page.get_by_label("Повтор пароля").fill(PASSWORD)
    accept_consents(page)
    pass_captcha(page)
    page.get_by_role("button", name="Продолжить").click()
    expect(page.get_by_text("выслано письмо со ссылкой")).to_be_visible()

    page.goto(last_link("ivanov@example.org"))
    page.get_by_role("button", name="Подтвердить регистрацию").click()
    expect(page.get_by_text("Вы успешно зарегистрировались")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/details/$"))
    page.get_by_label("Фамилия").fill("Петров")
    page.locator("#id_first_name").fill("Пётр")
    page.get_by_role("button", name="Продолжить").click()
    expect(page.locator("#user-menu")).to_have_text("Петров Пётр")


def test_a_customer_logs_in_and_out(page: Page) -> None:
    User.objects.create_user(
        username="c1",
        phone="+79161234567",
        password=PASSWORD,
        last_name="Иванов",
        first_name="Иван",
    )
    page.goto("/login/")
    page.get_by_label("Телефон или E-mail").fill("+7 916 123 45 67")
    page.get_by_label("Пароль").fill("Wrong-Pass1")
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_text("Неверный телефон, e-mail или пароль.")).to_be_visible()

    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_label("Запомнить").check()
    page.get_by_role("button", name="Войти").click()
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Выход").click()
    expect(page.get_by_text("Вы вышли из личного кабинета.")).to_be_visible()


def test_a_customer_recovers_the_password_by_sms(page: Page) -> None:
    User.objects.create_user(
        username="c1",
        phone="+79161234567",
        password=PASSWORD,
        last_name="Иванов",
        first_name="Иван",
    )
    page.goto("/login/")
    page.get_by_role("link", name="Восстановить пароль").click()
    page.get_by_label("Телефон или E-mail").fill("+79161234567")
    pass_captcha(page)
    page.get_by_role("button", name="Восстановить").click()
    page.locator("#id_password1").fill("Brand-New-Pass2")
    page.get_by_label("Повтор пароля").fill("Brand-New-Pass2")
    page.get_by_label("Введите код подтверждения").fill(last_code("+79161234567"))
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_text("Пароль успешно изменен")).to_be_visible()

    page.get_by_label("Телефон или E-mail").fill("+79161234567")
    page.get_by_label("Пароль").fill("Brand-New-Pass2")
    page.get_by_role("button", name="Войти").click()
    expect(page.locator("#user-menu")).to_have_text("Иванов Иван")
