"""The staff area's own login: staff only, throttled, and closed to customers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kabinet.core.models import AuditEntry
from kabinet.staff.models import StaffMember
from tests.factories import make_supplier
from tests.staff.builders import PASSWORD, make_customer, make_staff, staff_client

pytestmark = pytest.mark.django_db

WRONG = "Неверное имя пользователя или пароль."


def log_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post("/staff/login/", {"username": username, "password": password})


def test_a_staff_member_logs_in_to_the_queue() -> None:
    staff = make_staff(make_supplier())
    client = Client()
    response = log_in(client, staff.username)
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assert client.get("/staff/", follow=True).request["PATH_INFO"] == "/staff/appeals/"
    assert AuditEntry.objects.filter(action="staff.member_logged_in", actor=staff).exists()


def test_a_customer_is_refused_with_the_wrong_credentials_message() -> None:
    customer = make_customer(password=PASSWORD)
    client = Client()
    as_customer = log_in(client, customer.phone or "")
    wrong = log_in(Client(), "nobody", "nope")
    assert as_customer.status_code == wrong.status_code == 400
    assert WRONG in as_customer.text
    assert WRONG in wrong.text
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("case", ["no_member", "inactive_member", "not_is_staff"])
def test_staff_without_an_active_place_in_the_back_office_is_refused(case: str) -> None:
    staff = make_staff(make_supplier())
    if case == "no_member":
        StaffMember.objects.filter(user=staff).delete()
    elif case == "inactive_member":
        StaffMember.objects.filter(user=staff).update(is_active=False)
    else:
        staff.is_staff = False
        staff.save()
    assert WRONG in log_in(Client(), staff.username).text


def test_a_superuser_logs_in_without_a_staff_member_row(django_user_model: Any) -> None:
    django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)
    assert log_in(Client(), "root").status_code == 302


def test_failures_are_throttled_per_username(settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_IDENTIFIER = 3
    staff = make_staff()
    client = Client()
    for _ in range(3):
        assert WRONG in log_in(client, staff.username, "wrong").text
    # Even the right password is refused now, before it is checked.
    response = log_in(client, staff.username)
    assert "Слишком много попыток" in response.text
    assert "_auth_user_id" not in client.session


def test_failures_are_throttled_per_ip(settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_IP = 3
    staff = make_staff()
    client = Client()
    for n in range(3):
        log_in(client, f"guess{n}", "wrong")
    assert "Слишком много попыток" in log_in(client, staff.username).text


def test_an_anonymous_visitor_is_sent_to_the_staff_login() -> None:
    response = Client().get("/staff/appeals/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/?next=/staff/appeals/")


def test_a_signed_in_customer_gets_403_on_staff_pages() -> None:
    client = staff_client(make_customer())
    assert client.get("/staff/appeals/").status_code == 403
    assert client.get("/staff/customers/").status_code == 403


def test_logout_ends_the_session_and_is_audited() -> None:
    staff = make_staff()
    client = staff_client(staff)
    response = client.post("/staff/logout/")
    assert response["Location"] == "/staff/login/"
    assert client.get("/staff/appeals/").status_code == 302
    assert AuditEntry.objects.filter(action="staff.member_logged_out", actor=staff).exists()
