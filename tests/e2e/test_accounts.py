"""Accounts in a real browser: link with each kind of control question, then read the charges."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kabinet.billing.models import AccountLink
from kabinet.identity.models import User
from tests.e2e.conftest import log_in
from tests.factories import (
    make_account,
    make_bill,
    make_charge,
    make_premises,
    make_service,
    make_supplier,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Secret-Pass-2024x"
PHONE = "+79161230077"


@pytest.fixture
def customer() -> User:
    return User.objects.create_user(
        username="accounts-e2e",
        password=PASSWORD,
        phone=PHONE,
        phone_confirmed_at=timezone.now(),
        last_name="Петрова",
        first_name="Анна",
    )


def start_linking(page: Page, supplier: str) -> None:
    page.goto("/accounts/")
    page.get_by_role("link", name="Добавить лицевой счёт").first.click()
    page.get_by_label("Поставщик").select_option(label=supplier)
    page.get_by_role("button", name="Далее").click()


def test_link_with_each_question_and_view_charges(page: Page, customer: User) -> None:
    period = timezone.localdate().replace(day=1)
    by_code = make_supplier(short_name="Энергосбыт", link_by_code=True, link_by_bill_total=False)
    by_total = make_supplier(short_name="Водоканал", link_by_code=False, link_by_bill_total=True)
    by_flat = make_supplier(
        short_name="Регоператор ТКО",
        link_by_code=False,
        link_by_bill_total=False,
        link_by_surname_flat=True,
    )
    energy = make_account(by_code, number="1001", link_code="K7Q2")
    water = make_account(by_total, number="2002")
    make_bill(water, period=period, sections=[(by_total, Decimal("1234.56"))])
    flat = make_premises(flat="17")
    waste = make_account(by_flat, number="3003", owner_name="Петрова А. С.", premises=flat)
    electricity = make_service(name="Электроснабжение", unit="кВт·ч")
    make_charge(
        energy,
        electricity,
        period=period,
        volume=Decimal("150"),
        charged=Decimal("789.45"),
        total=Decimal("789.45"),
    )
    make_bill(energy, period=period, due_date=period + dt.timedelta(days=24))

    log_in(page, PHONE, PASSWORD)
    expect(page).not_to_have_url(re.compile(r"/login/"))

    start_linking(page, "Энергосбыт")
    page.get_by_label("Номер лицевого счёта", exact=False).fill("л/с 0001001")
    page.get_by_label("Статус отношения к ЛС", exact=False).select_option(label="Наниматель")
    page.get_by_label("Код для привязки").fill("WRONG")
    page.get_by_role("button", name="Подключить").click()
    expect(page.get_by_role("alert")).to_contain_text("Неверные данные для привязки лицевого счёта")
    page.get_by_label("Код для привязки").fill("k7q2")
    page.get_by_label("Название счёта").fill("Квартира")
    page.get_by_label("Получать квитанции только в электронном виде").check()
    page.get_by_role("button", name="Подключить").click()
    # Seed 004: the group is offered right after linking.
    expect(page).to_have_url(re.compile(rf"/accounts/{energy.pk}/group/$"))
    expect(page.locator(".messages")).to_contain_text("Лицевой счёт успешно подключён.")
    page.get_by_label("Группа").fill("Дача")
    page.get_by_role("button", name="Продолжить").click()
    expect(page).to_have_url(re.compile(rf"/accounts/{energy.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("Лицевой счёт сохранён.")
    expect(page.get_by_test_id("balance")).to_contain_text("500,00")

    start_linking(page, "Водоканал")
    page.get_by_label("Номер лицевого счёта", exact=False).fill("2002")
    page.get_by_label("Сумма «Итого по счёту»", exact=False).fill("1234,56")
    page.get_by_role("button", name="Подключить").click()
    page.get_by_role("button", name="Продолжить").click()
    expect(page).to_have_url(re.compile(rf"/accounts/{water.pk}/$"))

    start_linking(page, "Регоператор ТКО")
    page.get_by_label("Номер лицевого счёта", exact=False).fill("3003")
    page.get_by_label("Фамилия владельца счёта", exact=False).fill("петрова")
    page.get_by_label("Номер квартиры", exact=False).fill("17")
    page.get_by_role("button", name="Подключить").click()
    expect(page.get_by_label("Группа")).to_have_value(flat.address)
    page.get_by_role("button", name="Продолжить").click()
    expect(page).to_have_url(re.compile(rf"/accounts/{waste.pk}/$"))

    assert AccountLink.objects.filter(user=customer).count() == 3
    link = AccountLink.objects.get(user=customer, account=energy)
    assert (link.relation, link.alias, link.paperless) == ("tenant", "Квартира", True)

    page.goto("/accounts/")
    expect(page.get_by_role("rowheader", name="Дача")).to_be_visible()
    expect(page.get_by_role("rowheader", name=flat.address)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Квартира"))).to_have_count(1)
    page.get_by_role("link", name=re.compile("Квартира")).first.click()
    page.get_by_role("link", name="Начисления").click()
    # Each charge line is headed by its service (a row header, the card title on a phone).
    expect(page.get_by_role("rowheader", name="Электроснабжение")).to_be_visible()
    expect(page.get_by_role("cell", name="789,45").first).to_be_visible()
    expect(page.get_by_test_id("charges-total")).to_contain_text("789,45")
    page.get_by_role("link", name="Электроснабжение").click()
    expect(page.get_by_role("heading", name="Электроснабжение")).to_be_visible()
