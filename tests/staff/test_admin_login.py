"""The admin: superusers only, and its login is throttled by the staff login's limiter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.auth.signals import user_login_failed
from django.test import Client

from tests.factories import make_supplier
from tests.staff.builders import PASSWORD, make_staff, staff_client

pytestmark = pytest.mark.django_db

THROTTLED = "Слишком много попыток"


@pytest.fixture
def superuser(django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser("admin", "admin@example.org", PASSWORD)


@pytest.fixture
def evaluated() -> Iterator[list[str]]:
    """Usernames whose wrong password was actually checked: Django's authenticate() sends
    user_login_failed for each, whichever login form called it."""
    checked: list[str] = []

    def counting(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
        checked.append(credentials["username"])

    user_login_failed.connect(counting)
    yield checked
    user_login_failed.disconnect(counting)


def admin_log_in(client: Client, username: str, password: str) -> Any:
    return client.post("/admin/login/", {"username": username, "password": password})


def test_fifty_wrong_passwords_are_not_all_checked_and_the_right_one_is_refused_after(
    superuser: Any, evaluated: list[str], settings: Any
) -> None:
    client = Client()
    for n in range(50):
        admin_log_in(client, "admin", f"guess-{n}")
    assert len(evaluated) == settings.LOGIN_FAILURES_PER_IDENTIFIER

    response = admin_log_in(client, "admin", PASSWORD)

    assert THROTTLED in response.text
    assert "_auth_user_id" not in client.session
    assert len(evaluated) == settings.LOGIN_FAILURES_PER_IDENTIFIER


def test_a_guess_from_each_of_many_addresses_stops_at_the_per_name_cap(
    superuser: Any, evaluated: list[str], settings: Any
) -> None:
    settings.LOGIN_FAILURES_PER_ACCOUNT = 10
    for n in range(50):
        admin_log_in(Client(REMOTE_ADDR=f"10.0.0.{n + 1}"), "admin", f"guess-{n}")
    assert len(evaluated) == 10
    owner = Client(REMOTE_ADDR="192.0.2.1")
    assert THROTTLED in admin_log_in(owner, "admin", PASSWORD).text


def test_one_address_spraying_names_stops_at_the_per_ip_cap(
    evaluated: list[str], settings: Any
) -> None:
    settings.LOGIN_FAILURES_PER_IP = 7
    client = Client()
    for n in range(30):
        admin_log_in(client, f"name{n}", "guess")
    assert len(evaluated) == 7


def test_the_staff_login_and_the_admin_login_count_failures_together(
    superuser: Any, evaluated: list[str], settings: Any
) -> None:
    client = Client()
    for n in range(settings.LOGIN_FAILURES_PER_IDENTIFIER):
        login = "/staff/login/" if n % 2 else "/admin/login/"
        client.post(login, {"username": "admin", "password": f"guess-{n}"})
    assert THROTTLED in admin_log_in(client, "admin", PASSWORD).text
    staff_login = client.post("/staff/login/", {"username": "admin", "password": PASSWORD})
    assert THROTTLED in staff_login.text


def test_a_superuser_logs_in_to_the_admin(superuser: Any) -> None:
    client = Client()
    response = admin_log_in(client, "admin", PASSWORD)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_staff_member_is_refused_at_the_admin_login_like_a_wrong_password() -> None:
    staff = make_staff(make_supplier(), is_superuser=False)
    response = admin_log_in(Client(), staff.username, PASSWORD)
    wrong = admin_log_in(Client(REMOTE_ADDR="192.0.2.9"), staff.username, "wrong")
    assert "Неверное имя пользователя или пароль." in response.text
    assert response.text.count("Неверное имя") == wrong.text.count("Неверное имя")


def test_a_signed_in_staff_member_is_kept_out_of_the_admin_and_works_in_the_staff_area() -> None:
    # The admin does not scope rows by supplier, so even every model permission does not let
    # a supplier's operator in.
    staff = make_staff(make_supplier())
    staff.user_permissions.set(Permission.objects.all())
    client = staff_client(staff)
    response = client.get("/admin/billing/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get("/staff/appeals/").status_code == 200


def test_the_home_page_sends_staff_to_the_staff_area() -> None:
    page = Client().get("/").text
    assert '<a href="/staff/">Вход для сотрудников</a>' in page
    assert 'href="/admin/' not in page
