"""The language switcher: the cookie for everyone, the profile for a signed-in person, and the
profile's language winning over the browser's at the next login on another device."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from kabinet.identity.models import User
from tests.factories import make_customer, make_staff

pytestmark = pytest.mark.django_db

PASSWORD = "Пароль-для-теста-1"


def test_a_visitor_switches_to_english_and_returns_to_the_same_page(client: Client) -> None:
    response = client.post("/language/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/login/").content.decode()
    assert '<html lang="en">' in html
    # The way back is offered in its own language.
    assert '<button type="submit" name="language" value="ru" lang="ru"' in html


def test_the_switcher_never_redirects_off_the_site(client: Client) -> None:
    response = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_signed_in_customer_s_choice_is_kept_in_the_profile(client: Client) -> None:
    user = make_customer()
    client.force_login(user)
    client.post("/language/", {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"


def test_an_unknown_language_changes_nothing(client: Client) -> None:
    user = make_customer()
    client.force_login(user)
    client.post("/language/", {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == ""
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_the_profile_language_wins_over_the_browser_at_login_on_another_device() -> None:
    user = make_customer(password=PASSWORD)
    User.objects.filter(pk=user.pk).update(language="en")
    device = Client(headers={"accept-language": "ru"})
    assert '<html lang="ru">' in device.get("/login/").content.decode()
    response = device.post("/login/", {"identifier": user.phone, "password": PASSWORD}, follow=True)
    assert '<html lang="en">' in response.content.decode()
    assert device.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_the_switcher_is_on_customer_and_staff_pages(client: Client) -> None:
    html = client.get("/").content.decode()
    assert 'action="/language/"' in html
    # Each language is named in itself, whatever the page's language.
    assert re.search(r'lang="en"[^>]*>English</button>', html)
    client.force_login(make_staff())
    html = client.get("/staff/appeals/").content.decode()
    assert 'action="/language/"' in html
