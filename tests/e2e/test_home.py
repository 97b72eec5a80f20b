"""The customer's day in a real browser: the home page's account cards, the profile's mailings
and consents, and the account card's «Обращения»."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kabinet.billing.marketing import send_marketing
from kabinet.billing.models import MarketingSubscription
from kabinet.identity.models import Consent, ConsentText, User
from kabinet.identity.services.consents import accept_consent
from tests.documents.sample import make_two_recipient_bill
from tests.e2e.conftest import log_in
from tests.factories import file_appeal, make_account, make_customer, make_link, make_supplier

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Secret-Pass-2024x"
PHONE = "+79161234571"


@pytest.fixture
def customer() -> User:
    user = User.objects.create_user(
        username="home-e2e",
        password=PASSWORD,
        phone=PHONE,
        phone_confirmed_at=timezone.now(),
        email="home@example.org",
        email_confirmed_at=timezone.now(),
        last_name="Петрова",
        first_name="Мария",
    )
    accept_consent(user=user, kind=Consent.Kind.PERSONAL_DATA, ip_address=None)
    return user


def test_the_home_card_pays_and_then_shows_what_is_left(page: Page, customer: User) -> None:
    bill = make_two_recipient_bill()
    make_link(customer, bill.account, alias="Квартира")
    log_in(page, PHONE, PASSWORD)
    page.wait_for_url("**/")

    card = page.get_by_test_id("account-card")
    expect(card.get_by_role("heading")).to_contain_text("Квартира")
    expect(card.get_by_test_id("balance")).to_contain_text("К оплате 2 097,04 ₽")
    card.get_by_role("link", name="Оплатить 2 097,04 ₽").click()

    page.get_by_label("Пени", exact=True).fill("0")
    page.get_by_label("Я согласен с").check()
    page.get_by_role("button", name="Оплатить").click()
    page.get_by_label("Номер карты").fill("4111 1111 1111 1111")
    page.get_by_role("button", name="Оплатить").click()
    expect(page.get_by_test_id("payment-result")).to_contain_text("Успешно проведена оплата")

    # Until the next bill has the payment, the card asks only for what is left.
    page.get_by_role("link", name="Главная").click()
    card = page.get_by_test_id("account-card")
    expect(card.get_by_test_id("pending")).to_contain_text("Оплачено 2 084,70 ₽")
    expect(card.get_by_test_id("balance")).to_contain_text("К оплате 12,34 ₽")
    expect(card.get_by_role("link", name="Оплатить 12,34 ₽")).to_be_visible()


def test_without_accounts_the_home_page_leads_to_linking(page: Page, customer: User) -> None:
    log_in(page, PHONE, PASSWORD)
    prompt = page.get_by_test_id("no-accounts")
    expect(prompt).to_contain_text("Номер лицевого счёта напечатан в квитанции")
    prompt.get_by_role("link", name="Добавить лицевой счёт").click()
    expect(page).to_have_url(re.compile(r"/accounts/link/"))


def test_withdrawing_the_marketing_consent_stops_the_mailing(page: Page, customer: User) -> None:
    supplier = make_supplier(short_name="ТЭСК", name="ПАО «Тамбовская энергосбытовая компания»")
    make_link(customer, make_account(supplier))
    log_in(page, PHONE, PASSWORD)
    page.goto("/profile/")
    page.get_by_role("link", name="Квитанции и рассылки").click()

    page.get_by_label("ТЭСК: по e-mail").check()
    page.get_by_role("button", name="Сохранить").last.click()
    expect(page.locator("#id_consent_error")).to_contain_text("дайте согласие")
    page.get_by_label("ТЭСК: по e-mail").check()
    page.get_by_label("Я согласен получать рекламно-информационные рассылки").check()
    page.get_by_role("button", name="Сохранить").last.click()
    expect(page.locator(".messages")).to_contain_text("Настройки рассылок сохранены.")
    assert MarketingSubscription.objects.filter(user=customer, channel="email").exists()

    def mail() -> int:
        return send_marketing(
            supplier=supplier, channel="email", subject="Акция", text="Скидка"
        ).queued

    assert mail() == 1

    page.get_by_role("link", name="Согласия").click()
    page.get_by_role("button", name="Отозвать согласие на рассылки").click()
    expect(page.locator(".messages")).to_contain_text("Рекламные сообщения больше не придут.")
    assert mail() == 0


def test_withdrawing_the_personal_data_consent_closes_the_account(
    page: Page, customer: User
) -> None:
    # The first versions' texts come with a migration, which a transactional test's flush
    # removes (tests/identity/test_consents.py checks them): this test keeps its own.
    ConsentText.objects.get_or_create(
        kind="personal_data",
        version="1",
        defaults={"text": "Согласие на обработку персональных данных."},
    )
    make_link(customer, make_account())
    log_in(page, PHONE, PASSWORD)
    page.goto("/profile/consents/")
    page.get_by_role("link", name="Редакция 1").first.click()
    expect(page.get_by_test_id("document-text")).to_contain_text("персональных данных")
    page.go_back()
    page.get_by_role("link", name="Отозвать согласие на обработку персональных данных").click()
    expect(page.locator(".alert-warning")).to_contain_text("учётная запись будет закрыта")

    page.get_by_label("Пароль", exact=False).first.fill(PASSWORD)
    page.get_by_role("button", name="Отозвать согласие и закрыть учётную запись").click()
    expect(page.locator("#id_confirm_error")).to_have_text("Подтвердите отзыв согласия.")
    page.get_by_label("Пароль", exact=False).first.fill(PASSWORD)
    page.get_by_label("Я понимаю", exact=False).check()
    page.get_by_role("button", name="Отозвать согласие и закрыть учётную запись").click()

    expect(page.locator(".messages")).to_contain_text("Учётная запись закрыта")
    expect(page.get_by_role("link", name="Войти")).to_be_visible()
    assert not User.objects.filter(pk=customer.pk).exists()


def test_the_account_cards_appeals_tab_lists_only_its_appeals(page: Page, customer: User) -> None:
    supplier = make_supplier(short_name="ТЭСК")
    here = make_link(customer, make_account(supplier), alias="Дом")
    there = make_link(customer, make_account(supplier), alias="Дача")
    mine = file_appeal(here, text="Про дом")
    other = file_appeal(there, text="Про дачу")
    stranger = make_link(make_customer(), make_account(supplier))
    log_in(page, PHONE, PASSWORD)

    page.goto(f"/accounts/{here.account_id}/")
    page.get_by_role("link", name="Обращения", exact=True).last.click()
    appeals = page.get_by_test_id("account-appeals")
    expect(appeals).to_contain_text(str(mine.number))
    expect(appeals).not_to_contain_text(str(other.number))
    expect(page.get_by_test_id("account-requests")).to_contain_text("заявок нет")

    response = page.goto(f"/accounts/{stranger.account_id}/appeals/")
    assert response is not None
    assert response.status == 404
