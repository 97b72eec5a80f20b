"""First browser checks: the portal's home page and the back-office login."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kabinet.identity.models import User

pytestmark = pytest.mark.e2e

PASSWORD = "Пароль-для-теста-1"


@pytest.fixture
def operator() -> User:
    """The superuser who configures the portal: the admin is theirs alone."""
    return User.objects.create_superuser(username="operator", password=PASSWORD)


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/admin/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()


def test_it_shows_the_home_page_with_its_styles_and_scripts(page: Page) -> None:
    with page.expect_response(
        re.compile(r"/static/vendor/bootstrap/css/bootstrap\.min\.css$")
    ) as css:
        page.goto("/")
    assert css.value.status == 200
    expect(page.get_by_role("heading", name="Личный кабинет клиента")).to_be_visible()
    # Bootstrap's rules are applied, not just fetched: its navbar is a flex container.
    assert page.locator("nav.navbar").evaluate("n => getComputedStyle(n).display") == "flex"
    # htmx is not loaded: no page uses it, and every page would pay for it.
    assert page.evaluate("typeof window.htmx") == "undefined"


def test_it_lets_staff_log_in_to_the_back_office(page: Page, operator: User) -> None:
    log_in(page, "operator", PASSWORD)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#site-name")).to_have_text("Кабинет — бэк-офис")
    billing = page.locator("#content-main .app-billing")
    expect(billing.get_by_role("link", name="Лицевые счета")).to_be_visible()
    expect(billing.get_by_role("link", name="Поставщики")).to_be_visible()
    expect(billing.get_by_role("link", name="Загрузки из биллинга")).to_be_visible()


def test_it_rejects_a_wrong_password_in_russian(page: Page, operator: User) -> None:
    log_in(page, "operator", "не-тот-пароль")
    # The staff login's message: the admin's login is the staff login's, throttle included.
    expect(page.locator(".errornote")).to_have_text("Неверное имя пользователя или пароль.")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    expect(page.get_by_label("Пароль")).to_be_visible()
