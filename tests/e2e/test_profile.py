"""The profile in a real browser: log in through the login page, edit details, change password."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kabinet.identity.models import User
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Secret-Pass-2024x"
NEW_PASSWORD = "Another-Pass-7788"
PHONE = "+79161234567"


@pytest.fixture
def customer() -> User:
    return User.objects.create_user(
        username="customer-e2e",
        password=PASSWORD,
        phone=PHONE,
        phone_confirmed_at=timezone.now(),
        last_name="Иванова",
        first_name="Мария",
    )


def test_a_customer_edits_the_profile_and_sees_errors_under_the_field(
    page: Page, customer: User
) -> None:
    log_in(page, "8 916 123-45-67", PASSWORD)
    page.goto("/profile/")
    expect(page.get_by_role("heading", name="Профиль", exact=True)).to_be_visible()
    page.get_by_role("link", name="Основная анкета").click()

    page.get_by_label("Фамилия", exact=False).first.fill("")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#id_last_name_error")).to_have_text("Обязательное поле.")

    page.get_by_label("Фамилия", exact=False).first.fill("Петрова")
    page.get_by_label("Фамилия латиницей").fill("Petrova")
    page.get_by_label("Отчество").fill("Сергеевна")
    page.get_by_label("Пол").select_option("female")
    page.get_by_label("Дата рождения").fill("2002-02-05")
    page.get_by_role("button", name="Сохранить").click()

    expect(page).to_have_url(re.compile(r"/profile/$"))
    expect(page.locator(".messages")).to_contain_text("Личные данные сохранены.")
    expect(page.locator("main h2").first).to_contain_text("Петрова Мария Сергеевна")
    expect(page.get_by_text("05.02.2002")).to_be_visible()


def test_a_customer_changes_the_password(page: Page, customer: User) -> None:
    log_in(page, PHONE, PASSWORD)
    page.goto("/profile/password/")
    page.get_by_label("Старый пароль").fill(PASSWORD)
    page.get_by_label("Новый пароль").fill(NEW_PASSWORD)
    page.get_by_label("Подтвердить пароль").fill("Something-Else-1")
    page.get_by_role("button", name="Изменить пароль").click()
    expect(page.locator("#id_new_password2_error")).to_have_text("Пароли не совпадают.")

    page.get_by_label("Старый пароль").fill(PASSWORD)
    page.get_by_label("Новый пароль").fill(NEW_PASSWORD)
    page.get_by_label("Подтвердить пароль").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Изменить пароль").click()
    expect(page.locator(".messages")).to_contain_text("Пароль изменён.")

    # Still logged in here; the new password is the one that works from now on.
    page.goto("/profile/")
    expect(page).to_have_url(re.compile(r"/profile/$"))
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
