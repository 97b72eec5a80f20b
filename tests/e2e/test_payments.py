"""Paying two supplier lines through the sandbox bank in a real browser."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from kabinet.identity.models import User
from kabinet.payments.models import Payment
from tests.documents.sample import make_two_recipient_bill
from tests.factories import make_link

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Secret-Pass-2024x"


def log_in_and_open_payment(page: Page) -> int:
    bill = make_two_recipient_bill()
    user = User.objects.create_user(
        username="pay-e2e",
        password=PASSWORD,
        phone="+79161234569",
        phone_confirmed_at=timezone.now(),
        email="payer@example.org",
        email_confirmed_at=timezone.now(),
        last_name="Петрова",
        first_name="Мария",
    )
    make_link(user, bill.account)
    page.goto("/login/")
    page.get_by_label("Телефон или E-mail").fill("+79161234569")
    page.get_by_label("Пароль", exact=False).first.fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url("**/")
    page.goto(f"/accounts/{bill.account_id}/")
    page.get_by_role("link", name="Оплатить", exact=True).click()
    # Two supplier lines: the penalty line is cleared, the other two are paid.
    page.get_by_label("Пени", exact=True).fill("0")
    expect(page.get_by_test_id("total")).to_have_text("2 084,70")
    page.get_by_label("Я согласен с").check()
    page.get_by_role("button", name="Оплатить").click()
    expect(page.get_by_test_id("bank-amount")).to_contain_text("2 084,70")
    return bill.account_id


def pay_with(page: Page, card: str) -> None:
    page.get_by_label("Номер карты").fill(card)
    page.get_by_role("button", name="Оплатить").click()


def test_a_success_card_pays_two_suppliers(page: Page) -> None:
    account_id = log_in_and_open_payment(page)

    pay_with(page, "4111 1111 1111 1111")

    expect(page.get_by_test_id("payment-result")).to_contain_text("Успешно проведена оплата")
    expect(page.locator("tbody")).to_contain_text("ТЭСК")
    expect(page.locator("tbody")).to_contain_text("УК Жилсервис")
    assert [m.to for m in mail.outbox] == [["payer@example.org"]]
    page.get_by_role("link", name="История платежей").click()
    expect(page.get_by_test_id("payments")).to_contain_text("Оплачен")

    # Until billing's next bill has the payment, the account asks only for what is left.
    page.goto(f"/accounts/{account_id}/")
    expect(page.get_by_test_id("pending")).to_contain_text("Оплачено 2 084,70 ₽")
    expect(page.get_by_test_id("pending")).to_contain_text("ожидает учёта")
    expect(page.get_by_test_id("balance")).to_contain_text("12,34")
    page.get_by_role("link", name="Оплатить", exact=True).click()
    expect(page.get_by_test_id("total")).to_have_text("12,34")


def test_a_failing_card_shows_the_reason_and_3d_secure_then_pays(page: Page) -> None:
    log_in_and_open_payment(page)

    pay_with(page, "4000 0000 0000 0002")
    expect(page.get_by_test_id("payment-result")).to_contain_text("Банк отклонил операцию")

    page.get_by_role("link", name="Попробовать ещё раз").click()
    page.get_by_label("Пени", exact=True).fill("0")
    page.get_by_label("Я согласен с").check()
    page.get_by_role("button", name="Оплатить").click()
    pay_with(page, "4000 0000 0000 3220")
    page.get_by_label("Код из SMS").fill("123456")
    page.get_by_role("button", name="Подтвердить").click()

    expect(page.get_by_test_id("payment-result")).to_contain_text("Успешно проведена оплата")
    assert sorted(Payment.objects.values_list("status", flat=True)) == ["canceled", "succeeded"]


def test_a_sum_below_the_minimum_is_refused_with_its_message(page: Page) -> None:
    bill = make_two_recipient_bill()
    user = User.objects.create_user(
        username="pay-min",
        password=PASSWORD,
        phone="+79161234570",
        phone_confirmed_at=timezone.now(),
        email="m@example.org",
        last_name="Петров",
        first_name="Пётр",
    )
    make_link(user, bill.account)
    page.goto("/login/")
    page.get_by_label("Телефон или E-mail").fill("+79161234570")
    page.get_by_label("Пароль", exact=False).first.fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url("**/")
    page.goto(f"/accounts/{bill.account_id}/pay/")

    page.get_by_label("Электроснабжение").fill("30")
    page.get_by_label("Я согласен с").check()
    page.get_by_role("button", name="Оплатить").click()

    # Under the amount, and in the focused summary above the form as a link to it.
    refusal = "Минимальная сумма платежа — не менее 50,00 ₽."
    expect(page.locator(".invalid-feedback", has_text=refusal)).to_be_visible()
    expect(
        page.get_by_test_id("pay-error").get_by_role("link", name=re.compile(refusal))
    ).to_be_visible()
    expect(page.get_by_test_id("pay-error")).to_be_focused()
    assert not Payment.objects.exists()
