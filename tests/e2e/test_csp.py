"""The Content-Security-Policy holds in a real browser: pages, the captcha, the back office and
the API docs run with it and nothing is blocked (the ``page`` fixture fails a test on any
violation); an injected inline script is blocked."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from kabinet.identity.models import User
from tests.e2e.conftest import CspViolations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Пароль-для-теста-1"


def test_an_injected_inline_script_is_blocked_and_reported(
    page: Page, csp_violations: CspViolations
) -> None:
    response = page.goto("/login/")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.body.appendChild(script);
          const link = document.createElement("a");
          link.setAttribute("onclick", "window.clicked = true");
          document.body.appendChild(link);
          link.click();
        }"""
    )
    assert page.evaluate("window.injected === undefined && window.clicked === undefined")
    assert any("script-src" in v for v in csp_violations), csp_violations
    csp_violations.clear()  # seen on purpose; the fixture checks the rest


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/", "Личный кабинет клиента"),
        ("/login/", "Войти"),
        ("/support/faq/", "Вопросы и ответы"),
        ("/admin/login/", "Войти"),
    ],
)
def test_public_pages_run_under_the_policy(page: Page, path: str, shown: str) -> None:
    page.goto(path)
    expect(page.get_by_text(shown).first).to_be_visible()


def test_the_captcha_solves_under_the_policy(page: Page, settings: Any) -> None:
    settings.ALTCHA_MAX_NUMBER = 5000
    page.goto("/register/")
    page.get_by_text("Я не робот").click()
    # The proof of work runs in a blob: worker and the widget styles itself with a <style>.
    expect(page.locator("altcha-widget [data-state='verified']")).to_be_attached()


def test_the_api_docs_render_from_our_own_files(page: Page) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/v1/docs")
    # Swagger UI is 1.5 MB of script: on a busy CI machine it takes a while to render.
    expect(page.locator("#swagger-ui .info .title")).to_contain_text("Kabinet API", timeout=30_000)
    assert all(url.startswith(page.url.split("/api/")[0]) for url in requests), requests


def test_the_back_office_runs_under_the_policy(page: Page) -> None:
    User.objects.create_superuser(username="admin", password=PASSWORD, email="a@example.org")
    page.goto("/admin/")
    page.get_by_label("Имя пользователя").fill("admin")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.goto("/admin/billing/account/add/")
    expect(page.locator("#content-main form")).to_be_visible()
