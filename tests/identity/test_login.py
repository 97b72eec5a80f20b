"""Login by phone or e-mail, «Запомнить», throttling, logout."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from kabinet.core.models import AuditEntry
from kabinet.identity.models import User
from tests.identity.conftest import without_tokens

pytestmark = pytest.mark.django_db

PASSWORD = "Secret-Pass1"
THROTTLED = "Слишком много попыток. Попробуйте через"
WRONG = "Неверный телефон, e-mail или пароль."


@pytest.fixture
def customer() -> User:
    return User.objects.create_user(
        username="c1",
        phone="+79161234567",
        email="ivanov@example.org",
        password=PASSWORD,
        last_name="Иванов",
        first_name="Иван",
    )


def log_in(client: Client, identifier: str, password: str, **extra: Any) -> Any:
    return client.post("/login/", {"identifier": identifier, "password": password, **extra})


@pytest.mark.parametrize("identifier", ["+79161234567", "8 916 123-45-67", "IVANOV@example.org"])
def test_it_logs_in_with_a_phone_or_an_e_mail(customer: User, identifier: str) -> None:
    client = Client()
    response = log_in(client, identifier, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").context["user"] == customer
    rows = AuditEntry.objects.values_list("actor", "action", "object_type", "object_id")
    assert list(rows) == [
        (customer.pk, "identity.user_logged_in", "identity.User", str(customer.pk))
    ]


def test_a_session_without_remember_ends_with_the_browser(customer: User) -> None:
    client = Client()
    log_in(client, "+79161234567", PASSWORD)
    assert client.session.get_expire_at_browser_close()


def test_remember_keeps_the_session_for_two_weeks(customer: User) -> None:
    client = Client()
    response = log_in(client, "+79161234567", PASSWORD, remember="on")
    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 14 * 24 * 3600
    assert response.cookies["sessionid"]["max-age"] == 14 * 24 * 3600


def test_it_goes_to_a_safe_next_page_only(customer: User) -> None:
    response = log_in(Client(), "+79161234567", PASSWORD, next="/profile/")
    assert response["Location"] == "/profile/"
    response = log_in(Client(), "+79161234567", PASSWORD, next="https://evil.example/")
    assert response["Location"] == "/"


def test_wrong_password_and_unknown_identifier_look_the_same(customer: User) -> None:
    wrong = log_in(Client(), "+79161234567", "Wrong-Pass1")
    unknown = log_in(Client(), "+79161234568", "Wrong-Pass1")
    assert wrong.status_code == unknown.status_code == 400
    assert WRONG in wrong.text
    assert without_tokens(wrong.text).replace("+79161234567", "X") == without_tokens(
        unknown.text
    ).replace("+79161234568", "X")
    assert AuditEntry.objects.filter(action="identity.login_failed").count() == 2
    assert not AuditEntry.objects.filter(data__icontains="Wrong-Pass1").exists()


def test_it_asks_for_both_fields() -> None:
    response = log_in(Client(), "", "")
    assert response.status_code == 400
    # Each under its field, and both again in the error summary above the form.
    assert response.text.count("Обязательно для заполнения") == 4
    assert 'id="id_identifier_error"' in response.text
    assert 'id="id_password_error"' in response.text
    assert "data-error-summary" in response.text


def test_it_delays_guessing_after_five_failures_from_one_ip(customer: User) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(4):
        assert WRONG in log_in(attacker, "+79161234567", "Wrong-Pass1").text
    fifth = log_in(attacker, "+79161234567", "Wrong-Pass1")
    assert WRONG in fifth.text
    blocked = log_in(attacker, "+79161234567", PASSWORD)
    assert blocked.status_code == 400
    assert f"{THROTTLED} 1 мин." in blocked.text
    # The owner on their own network is not locked out.
    owner = Client(REMOTE_ADDR="198.51.100.7")
    assert log_in(owner, "+79161234567", PASSWORD).status_code == 302


def test_the_delay_doubles_each_time(customer: User) -> None:
    from kabinet.core import ratelimit

    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        log_in(attacker, "+79161234567", "Wrong-Pass1")
    from kabinet.identity.services import login

    # The first delay has run out.
    ratelimit.reset(login._key("block", "pair", "+79161234567", "203.0.113.9"))
    for _ in range(5):
        log_in(attacker, "+79161234567", "Wrong-Pass1")
    assert f"{THROTTLED} 2 мин." in log_in(attacker, "+79161234567", PASSWORD).text


def test_unknown_identifiers_are_throttled_the_same_way() -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        log_in(attacker, "+79161234568", "Wrong-Pass1")
    assert f"{THROTTLED} 1 мин." in log_in(attacker, "+79161234568", "Wrong-Pass1").text


def test_it_blocks_an_ip_that_sprays_many_identifiers(customer: User, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_IP = 6
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(6):
        log_in(attacker, f"+7916123450{n}", "Wrong-Pass1")
    assert THROTTLED in log_in(attacker, "+79161234567", PASSWORD).text
    assert log_in(Client(REMOTE_ADDR="198.51.100.7"), "+79161234567", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_failures(customer: User) -> None:
    client = Client()
    for _ in range(4):
        log_in(client, "+79161234567", "Wrong-Pass1")
    assert log_in(client, "+79161234567", PASSWORD).status_code == 302
    client.post("/logout/")
    for _ in range(4):
        log_in(client, "+79161234567", "Wrong-Pass1")
    assert log_in(client, "+79161234567", PASSWORD).status_code == 302


def test_logout_is_a_post_that_ends_the_session_on_the_server(customer: User) -> None:
    client = Client()
    log_in(client, "+79161234567", PASSWORD)
    session_key = client.session.session_key
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/", follow=True)
    assert "Вы вышли из личного кабинета." in response.text
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session_key).exists()
    assert AuditEntry.objects.filter(action="identity.user_logged_out", actor=customer).exists()


def test_login_and_logout_need_a_csrf_token(customer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    assert log_in(client, "+79161234567", PASSWORD).status_code == 403
    client.force_login(customer)
    assert client.post("/logout/").status_code == 403


def test_the_header_shows_the_user_menu(customer: User) -> None:
    client = Client()
    log_in(client, "+79161234567", PASSWORD)
    page = client.get("/").text
    assert "Иванов Иван" in page
    assert 'href="/profile/"' in page
    assert 'action="/logout/"' in page
    anonymous = Client().get("/").text
    assert 'href="/login/"' in anonymous
    assert 'href="/register/"' in anonymous


def test_superusers_still_log_in_to_the_admin_by_username() -> None:
    User.objects.create_superuser(username="operator", password=PASSWORD)
    client = Client()
    response = client.post("/admin/login/", {"username": "operator", "password": PASSWORD})
    assert response.status_code == 302


def test_the_login_page_and_footer_name_the_support_line(client: Client, settings: Any) -> None:
    """Seeds 000 and 004: support phone and e-mail beside the login form («Обратитесь в службу
    поддержки»); left out when the portal has none configured."""
    assert 'data-testid="support-contacts"' not in client.get("/login/").content.decode()
    settings.SUPPORT_PHONE = "8 800 300-00-00"
    settings.SUPPORT_EMAIL = "help@example.org"
    caches["template_fragments"].clear()  # the footer is a cached fragment
    html = client.get("/login/").content.decode()
    assert html.count('data-testid="support-contacts"') == 2
    assert 'href="tel:88003000000"' in html
    assert 'href="mailto:help@example.org"' in html
    assert "Обратитесь в службу поддержки" in html
