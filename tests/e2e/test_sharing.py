"""Shared access in a real browser: the holder invites a family member by e-mail, the member
logs in, follows the link from the e-mail and sees the account; the holder closes the access."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kabinet.identity.models import User
from kabinet.messaging.models import OutgoingMessage
from tests.e2e.conftest import log_in
from tests.factories import make_account, make_link, make_premises, make_supplier

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Secret-Pass-2024x"


def test_invite_accept_and_revoke(page: Page) -> None:
    account = make_account(
        make_supplier(short_name="Энергосбыт"),
        number="5150",
        premises=make_premises(address="г. Томск, ул. Ленина, д. 1, кв. 2"),
    )
    holder = User.objects.create_user(
        username="holder-e2e",
        password=PASSWORD,
        phone="+79161230101",
        phone_confirmed_at=timezone.now(),
        first_name="Анна",
        last_name="Петрова",
    )
    make_link(holder, account)
    User.objects.create_user(
        username="son-e2e",
        password=PASSWORD,
        email="son@example.org",
        email_confirmed_at=timezone.now(),
        first_name="Иван",
        last_name="Петров",
    )

    log_in(page, "+79161230101", PASSWORD)
    page.goto(f"/accounts/{account.pk}/")
    page.get_by_role("link", name="Совместный доступ").click()
    page.get_by_label("Телефон или e-mail члена семьи").fill("son@example.org")
    page.get_by_role("button", name="Отправить приглашение").click()
    expect(page.get_by_text("Приглашение отправлено.")).to_be_visible()
    expect(page.get_by_text("son@example.org")).to_be_visible()

    body = OutgoingMessage.objects.get(to="son@example.org").body
    link = re.search(r"https?://\S+/accounts/invitations/[\w-]+/", body)
    assert link, body
    path = re.sub(r"^https?://[^/]+", "", link.group(0))

    page.context.clear_cookies()
    page.goto(path)
    # Not logged in: the login page, which brings the invitee back to the invitation.
    page.get_by_label("Телефон или E-mail").fill("son@example.org")
    page.get_by_label("Пароль", exact=False).first.fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_text("Петрова Анна приглашает вас")).to_be_visible()
    expect(page.get_by_text("ул. Ленина")).to_be_visible()
    page.get_by_role("button", name="Принять приглашение").click()
    expect(page.get_by_text("Лицевой счёт добавлен в ваш кабинет.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/accounts/{account.pk}/$"))

    page.context.clear_cookies()
    log_in(page, "+79161230101", PASSWORD)
    page.goto(f"/accounts/{account.pk}/access/")
    expect(page.get_by_text("son@example.org")).to_be_visible()
    page.get_by_role("button", name="Закрыть доступ").click()
    expect(page.get_by_text("Доступ к лицевому счёту закрыт.")).to_be_visible()
    expect(page.get_by_text("Кроме вас, доступа ни у кого нет.")).to_be_visible()
