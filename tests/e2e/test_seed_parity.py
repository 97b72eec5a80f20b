"""Seed parity in a real browser: what each manual asks beyond the core journeys (issue 19).

Seed 000 (NTESK): the readings report by kind of meter, the charges history of several months
and the printable slip of a payment. Seed 002: the bank's commission before paying. Seed 003
(Tomskenergosbyt): the meter list of a period, payments by recipient and the bill's detail by
service. Seed 004 (Tambov): the offices on a map. Linking with a group (004) and shared access
(000's need) have browser tests of their own (test_accounts.py, test_sharing.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from kabinet.billing.models import Account, Supplier
from kabinet.identity.models import User
from kabinet.metering.models import Reading
from kabinet.support.models import SupportContact
from tests.factories import (
    fill_charges,
    make_account,
    make_customer,
    make_link,
    make_meter,
    make_payment,
    make_reading,
    make_service,
    make_supplier,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def logged_in(page: Page, live_server: LiveServer, user: User) -> None:
    # The login form has its own browser tests; here the session is made directly.
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def customer_with_charges() -> tuple[User, Account, Supplier, Supplier]:
    energy = make_supplier(short_name="ТЭСК")
    waste = make_supplier(short_name="ТКО Регион")
    account = make_account(energy, number="7001")
    customer = make_customer()
    make_link(customer, account)
    fill_charges(account, energy, waste, make_service(name="Электроснабжение", unit="кВт·ч"))
    return customer, account, energy, waste


def test_seed_000_report_by_kind_charges_history_and_a_payment_slip(
    page: Page, live_server: LiveServer
) -> None:
    customer, account, energy, waste = customer_with_charges()
    water = make_meter(
        account,
        make_service(code="cold_water", name="Холодное водоснабжение", unit="м³"),
        serial_number="CW-77",
    )
    power = make_meter(account, serial_number="EL-55")
    today = timezone.localdate()
    for meter in (water, power):
        make_reading(
            meter,
            period=today.replace(day=1),
            taken_on=today - dt.timedelta(days=2),
            source=Reading.Source.BILLING,
            status=Reading.Status.ACCEPTED,
        )
    paid = make_payment(
        account,
        splits=[(energy, Decimal("600.00")), (waste, Decimal("400.00"))],
        paid_at=timezone.now() - dt.timedelta(days=3),
    )
    logged_in(page, live_server, customer)

    page.goto(f"/accounts/{account.pk}/readings/report/")
    page.get_by_label("Вид").select_option(label="Холодное водоснабжение")
    page.get_by_role("button", name="Сформировать отчет").click()
    expect(page.get_by_text("CW-77")).to_be_visible()
    expect(page.get_by_text("EL-55")).to_have_count(0)

    page.goto(f"/accounts/{account.pk}/charges/")
    page.get_by_label("История начислений").select_option(label="6 месяцев")
    page.get_by_role("button", name="Показать").click()
    expect(page.get_by_test_id("charges-total")).to_have_count(2)

    page.goto(f"/accounts/{account.pk}/payments/")
    page.get_by_role("link", name="Квитанция об оплате").click()
    expect(page.get_by_role("heading", name="Информационная квитанция об оплате")).to_be_visible()
    expect(page.get_by_test_id("document-total")).to_have_text("1\u00a0000,00")
    expect(page.get_by_role("button", name="Печать")).to_be_visible()
    assert page.url.endswith(f"/payments/{paid.pk}/document/")


def test_seed_002_the_bank_commission_is_told_on_the_payment_page(
    page: Page, live_server: LiveServer
) -> None:
    customer, account, energy, _ = customer_with_charges()
    energy.payment_commission = "1 % от суммы платежа"
    energy.save()
    logged_in(page, live_server, customer)
    page.goto(f"/accounts/{account.pk}/pay/")
    expect(page.get_by_test_id("commission")).to_have_text(
        "Комиссия за приём платежа: 1 % от суммы платежа"
    )


def test_seed_003_meters_of_a_period_payments_by_recipient_and_bill_detail(
    page: Page, live_server: LiveServer
) -> None:
    customer, account, energy, waste = customer_with_charges()
    make_meter(account, serial_number="NEW-2")
    make_meter(
        account,
        serial_number="OLD-1",
        removed_on=timezone.localdate() - dt.timedelta(days=30),
    )
    make_payment(
        account,
        splits=[(energy, Decimal("300.00")), (waste, Decimal("200.00"))],
        paid_at=timezone.now() - dt.timedelta(days=2),
    )
    logged_in(page, live_server, customer)

    page.goto(f"/accounts/{account.pk}/details/")
    expect(page.get_by_text("OLD-1")).to_have_count(0)
    page.get_by_label("Период", exact=True).select_option(label="За последние три месяца")
    page.get_by_role("button", name="Показать").click()
    expect(page.get_by_text("OLD-1")).to_be_visible()

    page.goto(f"/accounts/{account.pk}/payments/")
    page.get_by_role("link", name="По поставщикам").click()
    expect(page.get_by_role("heading", name="ТКО Регион")).to_contain_text("№ ЛС")

    page.goto(f"/accounts/{account.pk}/bills/?range=custom&date_from=2026-01&date_to=2026-12")
    detail = page.get_by_test_id("bill-detail").first
    detail.locator("summary").click()
    expect(detail.get_by_role("rowheader", name="Электроснабжение")).to_be_visible()


def test_seed_004_offices_on_the_map(page: Page, live_server: LiveServer) -> None:
    supplier = make_supplier(short_name="ТЭСК")
    SupportContact.objects.create(
        supplier=supplier,
        kind=SupportContact.Kind.OFFICE,
        title="Центральный офис",
        address="г. Тамбов, ул. Советская, д. 1",
        hours="пн–пт 8:00–17:00",
        latitude=Decimal("52.72150"),
        longitude=Decimal("41.45230"),
    )
    page.goto("/support/faq/")
    page.get_by_role("link", name="Офисы на карте").click()
    expect(page.get_by_role("img", name="Схема расположения офисов")).to_be_visible()
    office = page.get_by_test_id("office")
    expect(office).to_contain_text("Часы работы: пн–пт 8:00–17:00")
    expect(office.get_by_role("link", name="Яндекс Карты")).to_have_attribute(
        "href", "https://yandex.ru/maps/?pt=41.45230,52.72150&z=17&l=map"
    )
