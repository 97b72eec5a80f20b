"""The core journeys with the keyboard only: Tab to move, Space and Enter to act, typing into
fields. No click, no fill(): if a control cannot be reached or used from the keyboard, the test
cannot finish the journey. The skip link comes first on every page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from kabinet.billing.models import AccountLink
from kabinet.identity.models import User
from kabinet.metering.models import Meter, Reading
from tests.documents.sample import make_two_recipient_bill
from tests.factories import make_link
from tests.identity.conftest import last_code
from tests.metering.conftest import (  # noqa: F401 - fixtures shared with tests/metering
    Clock,
    account,
    clock,
    customer,
    day_night,
    electricity,
    link,
    supplier,
)

# ruff: noqa: F811

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Secret-Pass1"
TAB_LIMIT = 80

# The accessible name of the focused element, near enough for a test: its label, its ARIA
# label, or its text.
FOCUSED_NAME = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "";
  const labels = el.labels ? [...el.labels].map((l) => l.textContent).join(" ") : "";
  return (el.getAttribute("aria-label") || labels || el.textContent || el.value || "")
    .replace(/\\s+/g, " ").trim();
}"""


@pytest.fixture(autouse=True)
def _fast_captcha(settings: Any, live_server: LiveServer) -> None:
    settings.ALTCHA_MAX_NUMBER = 5000
    settings.SITE_URL = live_server.url


def focused_name(page: Page) -> str:
    try:
        name: str = page.evaluate(FOCUSED_NAME)
    except PlaywrightError:  # the last Enter sent a form: ask the page that replaced it
        page.wait_for_load_state()
        name = page.evaluate(FOCUSED_NAME)
    return name


def tab_to(page: Page, name: str | re.Pattern[str]) -> None:
    """Press Tab until the focused element's name matches ``name`` (text: it starts with it)."""
    seen = []
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        focused = focused_name(page)
        seen.append(focused)
        if name.search(focused) if isinstance(name, re.Pattern) else focused.startswith(name):
            return
    pytest.fail(f"Tab never reached {name!r}; it went through {seen}")


def type_into(page: Page, name: str | re.Pattern[str], text: str) -> None:
    tab_to(page, name)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_the_first_tab_stop_is_the_skip_link_and_it_lands_on_the_content(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    assert focused_name(page) == "Перейти к содержимому"
    expect(page.get_by_role("link", name="Перейти к содержимому")).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    # The next stop is inside the page, not in the menu.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_a_customer_registers_by_phone_with_the_keyboard(page: Page) -> None:
    page.goto("/register/")
    type_into(page, "Мобильный телефон", "8 916 123-45-67")
    tab_to(page, "Согласие на обработку персональных данных")
    page.keyboard.press("Space")
    tab_to(page, "Пользовательское соглашение")
    page.keyboard.press("Space")
    tab_to(page, re.compile("Я не робот"))
    page.keyboard.press("Space")
    expect(page.locator("altcha-widget [data-state='verified']")).to_be_attached()
    tab_to(page, "Продолжить")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Вам выслан код на номер +7 916 123-45-67")).to_be_visible()

    type_into(page, "Код", last_code("+79161234567"))
    page.keyboard.press("Enter")
    type_into(page, "Придумайте пароль", PASSWORD)
    type_into(page, "Повтор пароля", PASSWORD)
    type_into(page, "Фамилия", "Иванов")
    type_into(page, "Имя", "Иван")
    tab_to(page, "Зарегистрироваться")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Вы успешно зарегистрировались")).to_be_visible()
    assert User.objects.filter(phone="+79161234567", last_name="Иванов").exists()


def log_in_with_keys(page: Page, identifier: str, password: str) -> None:
    page.goto("/login/")
    type_into(page, "Телефон или E-mail", identifier)
    type_into(page, "Пароль", password)
    tab_to(page, "Войти")
    page.keyboard.press("Enter")


def test_a_customer_logs_in_with_the_keyboard(page: Page) -> None:
    User.objects.create_user(
        username="kb",
        password=PASSWORD,
        phone="+79161234560",
        phone_confirmed_at=timezone.now(),
        last_name="Иванова",
        first_name="Мария",
    )
    log_in_with_keys(page, "+7 916 123 45 60", PASSWORD)
    expect(page.locator("#user-menu")).to_be_attached()  # signed in
    expect(page).not_to_have_url(re.compile("/login/"))


def test_a_reading_is_submitted_with_the_keyboard(
    page: Page, clock: Clock, customer: User, link: AccountLink, day_night: Meter
) -> None:
    customer.set_password(PASSWORD)
    customer.save()
    log_in_with_keys(page, customer.phone or "", PASSWORD)
    expect(page.locator("#user-menu")).to_be_attached()  # signed in
    page.goto(f"/accounts/{link.account_id}/")
    tab_to(page, "Передать показания")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Передача показаний")).to_be_visible()
    type_into(page, "День", "12400,5")
    type_into(page, "Ночь", "4600")
    tab_to(page, "Передать показания")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("to-send")).to_contain_text("День: 12 400,5 кВт·ч")
    tab_to(page, "Продолжить")
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Показания переданы")
    assert Reading.objects.filter(meter=day_night, source=Reading.Source.PORTAL).exists()


def test_a_payment_is_started_with_the_keyboard(page: Page) -> None:
    bill = make_two_recipient_bill()
    user = User.objects.create_user(
        username="kb-pay",
        password=PASSWORD,
        phone="+79161234569",
        phone_confirmed_at=timezone.now(),
        email="payer@example.org",
        email_confirmed_at=timezone.now(),
        last_name="Петрова",
        first_name="Мария",
    )
    make_link(user, bill.account)
    log_in_with_keys(page, "+79161234569", PASSWORD)
    expect(page.locator("#user-menu")).to_be_attached()  # signed in
    page.goto(f"/accounts/{bill.account_id}/")
    tab_to(page, re.compile(r"^Оплатить$"))
    page.keyboard.press("Enter")
    type_into(page, re.compile(r"^Пени$"), "0")
    expect(page.get_by_test_id("total")).to_have_text("2 084,70")
    tab_to(page, "Я согласен с")
    page.keyboard.press("Space")
    tab_to(page, re.compile(r"^Оплатить"))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("bank-amount")).to_contain_text("2 084,70")
