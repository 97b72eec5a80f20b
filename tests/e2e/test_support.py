"""Support in a real browser: order a paid service, file and cancel a request, file an appeal
with an attachment and read the staff answer."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from kabinet.billing.models import Account
from kabinet.identity.models import User
from kabinet.support import services
from kabinet.support.models import Appeal
from tests.e2e.conftest import log_in
from tests.factories import (
    make_account,
    make_catalog_item,
    make_link,
    make_request_type,
    make_staff,
    make_supplier,
    png_bytes,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Secret-Pass-2024x"
PHONE = "+79161230088"


@pytest.fixture
def account() -> Account:
    customer = User.objects.create_user(
        username="support-e2e",
        password=PASSWORD,
        phone=PHONE,
        phone_confirmed_at=timezone.now(),
        last_name="Сидорова",
        first_name="Ольга",
    )
    supplier = make_supplier(short_name="Энергосбыт", time_zone="Europe/Moscow")
    account = make_account(supplier, number="5005001")
    make_link(customer, account)
    return account


def menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Главное меню")


def a_week_ahead() -> str:
    return (timezone.localdate() + dt.timedelta(days=7)).isoformat()


def test_a_customer_orders_a_paid_service(page: Page, account: Account) -> None:
    make_catalog_item(
        account.supplier, name="Замена счётчика электроэнергии", price=Decimal("1500.00")
    )
    log_in(page, "8 916 123-00-88", PASSWORD)
    page.wait_for_url("**/")
    menu(page).get_by_role("link", name="Услуги", exact=True).click()
    expect(page.get_by_text("Замена счётчика электроэнергии", exact=True)).to_be_visible()
    expect(page.get_by_text("1 500,00")).to_be_visible()
    page.get_by_role("link", name="Заказать услугу «Замена счётчика электроэнергии»").click()

    # Pre-filled from the account and the profile.
    expect(page.get_by_label("Контактный телефон")).to_have_value("+79161230088")
    page.get_by_label("Желаемая дата").fill(a_week_ahead())
    page.get_by_label("Желаемое время").select_option("12-15")
    page.get_by_label("Комментарий").fill("Домофон не работает, позвоните")
    page.get_by_role("button", name="Заказать услугу").click()

    expect(page.locator(".messages")).to_contain_text("Заказ услуги успешно осуществлен.")
    expect(page.locator("#request-status")).to_have_text("Принята в систему")
    expect(page.get_by_text("1 500,00 ₽")).to_be_visible()


def test_a_customer_files_a_request_and_cancels_it(page: Page, account: Account) -> None:
    make_request_type(account.supplier, name="Снятие показаний")
    log_in(page, "8 916 123-00-88", PASSWORD)
    page.wait_for_url("**/")
    menu(page).get_by_role("link", name="Заявки", exact=True).click()
    page.get_by_role("link", name="Новая заявка").click()

    page.get_by_label("Тип заявки").select_option(label="Снятие показаний")
    page.get_by_label("Желаемая дата").fill("2020-01-01")
    page.get_by_role("button", name="Сохранить").click()
    # The form comes back with a message next to each wrong field and keeps what was typed.
    expect(page.locator("#id_reason_error")).to_have_text("Заполните это поле.")
    expect(page.locator("#id_desired_date_error")).to_contain_text("Дата уже прошла")

    page.get_by_label("Причина заявки").fill("Не могу снять показания сам: счётчик высоко")
    page.get_by_label("Желаемая дата").fill(a_week_ahead())
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator(".messages")).to_contain_text("принята в систему")

    page.get_by_label("Причина отмены").fill("Снял показания сам")
    page.get_by_role("button", name="Отменить заявку").click()
    expect(page.locator("#request-status")).to_have_text("Отменена клиентом")
    history = page.locator("#request-history")
    expect(history).to_contain_text("Принята в систему")
    expect(history).to_contain_text("Отменена клиентом")
    expect(history).to_contain_text("Снял показания сам")
    expect(page.get_by_role("button", name="Отменить заявку")).to_have_count(0)


def test_an_appeal_with_an_attachment_is_answered_by_staff(page: Page, account: Account) -> None:
    log_in(page, "8 916 123-00-88", PASSWORD)
    page.wait_for_url("**/")
    menu(page).get_by_role("link", name="Вопросы и ответы", exact=True).click()
    page.get_by_role("link", name="Задать вопрос").click()

    # One linked account: supplier and account are filled in already.
    page.get_by_label("Тема вопроса").select_option(label="Показания счётчика")
    question = page.get_by_role("textbox", name="Вопрос *")
    question.fill("Показания не принялись, фото счётчика прилагаю")
    page.get_by_label("Приложить файлы").set_input_files(
        {"name": "счётчик.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    page.get_by_role("button", name="Отправить").click()

    appeal = Appeal.objects.get()
    expect(page.locator(".messages")).to_contain_text(
        f"Ваше обращение зарегистрировано. Номер обращения: {appeal.number}."
    )
    expect(page.get_by_role("link", name=re.compile("счётчик.png"))).to_be_visible()

    services.answer_appeal(
        appeal=appeal, staff=make_staff(), text="Показания приняты вручную, спасибо."
    )
    page.reload()
    expect(page.get_by_text("Показания приняты вручную, спасибо.")).to_be_visible()
    expect(page.locator("#appeal-status")).to_have_text("Дан ответ")

    menu(page).get_by_role("link", name="Обращения", exact=True).click()
    expect(page.get_by_role("rowheader", name=str(appeal.number))).to_be_visible()
