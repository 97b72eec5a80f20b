"""403, 404, 500 and CSRF failure with DEBUG off: the site's own pages, in the visitor's
language, in the site's frame, with a way back."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kabinet.identity.models import User

pytestmark = pytest.mark.urls("tests.portal.error_urls")


@pytest.fixture(autouse=True)
def _production(settings: Any) -> None:
    settings.DEBUG = False


@pytest.mark.django_db
def test_a_missing_page_is_a_russian_404_in_the_layout_with_a_way_home(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Страница не найдена" in html
    assert "Перейти к содержимому" in html  # the site's frame, not Django's bare page
    assert 'href="/"' in html


@pytest.mark.django_db
def test_the_404_speaks_english_to_an_english_browser(client: Client) -> None:
    response = client.get("/no-such-page/", headers={"accept-language": "en"})
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.django_db
def test_a_stranger_s_account_is_the_same_404(client: Client, customer: User) -> None:
    client.force_login(customer)
    response = client.get("/accounts/999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Страница не найдена" in html
    assert "Лицевые счета" in html  # the signed-in customer's menu is there


@pytest.mark.django_db
def test_a_customer_on_a_staff_page_gets_the_russian_403(client: Client, customer: User) -> None:
    client.force_login(customer)
    response = client.get("/staff/appeals/")
    assert response.status_code == 403
    assert "Доступ запрещён" in response.content.decode()


@pytest.mark.django_db
def test_permission_denied_anywhere_is_the_same_403(client: Client) -> None:
    response = client.get("/forbidden/")
    assert response.status_code == 403
    assert "Доступ запрещён" in response.content.decode()


def test_a_server_error_page_renders_without_the_database() -> None:
    # No db fixture: pytest-django fails the test if the 500 page touches the database.
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Ошибка на сервере" in html
    assert 'href="/"' in html
    assert '<html lang="ru">' in html


def test_the_server_error_page_speaks_english_too() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/broken/", headers={"accept-language": "en"})
    assert response.status_code == 500
    assert "Server error" in response.content.decode()


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_gets_a_russian_explanation() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "+79000000000", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Форма устарела" in html
    assert "обновите страницу" in html


def test_the_server_error_page_names_the_support_line(settings: Any) -> None:
    """Seed 004: «Обратитесь в службу поддержки» on the error pages, the 500 one included (it
    reads the line from settings, never from the database)."""
    settings.SUPPORT_PHONE = "8 800 300-00-00"
    settings.SUPPORT_EMAIL = "help@example.org"
    client = Client(raise_request_exception=False)
    html = client.get("/broken/").content.decode()
    assert "Обратитесь в службу поддержки" in html
    assert 'href="tel:88003000000"' in html
    assert 'href="mailto:help@example.org"' in html
