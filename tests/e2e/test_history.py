"""«История» and «Статистика» in a real browser: a month of «Все события» shows the reading,
the bill and the payment; the statistics page names the year's highest month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from kabinet.identity.models import User
from tests.factories import make_charge, make_customer
from tests.portal.sample import make_history

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def logged_in(page: Page, live_server: LiveServer, user: User) -> None:
    # The login form has its own browser tests; here the session is made directly.
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_a_month_of_all_events_shows_the_reading_the_bill_and_the_payment(
    page: Page, live_server: LiveServer
) -> None:
    customer = make_customer()
    history = make_history(customer)
    logged_in(page, live_server, customer)

    page.goto(f"/accounts/{history.account.pk}/")
    page.get_by_role("link", name="История", exact=True).click()
    expect(page.get_by_role("link", name="Все события")).to_have_attribute("aria-current", "page")
    page.get_by_label("Период", exact=True).select_option("custom")
    page.get_by_label("С месяца").fill("2026-10")
    page.get_by_label("По месяц").fill("2026-10")
    page.get_by_role("button", name="Показать").click()

    october = page.get_by_test_id("month-2026-10")
    expect(october.locator("> summary")).to_have_text("Октябрь 2026")
    reading = october.get_by_test_id(f"event-reading-{history.reading.pk}")
    expect(reading).to_contain_text("Электроснабжение, счётчик № 6-123-3")
    expect(reading).to_contain_text("Учтено в счёте за октябрь 2026")
    reading.get_by_text("Подробнее").click()
    expect(reading).to_contain_text("14 323,00 кВт·ч")
    bill = october.get_by_test_id(f"event-bill-{history.bill.pk}")
    expect(bill).to_contain_text("Квитанция за октябрь 2026")
    bill.get_by_text("Общая информация и детализация").click()
    expect(bill.get_by_text("Водоканал")).to_be_visible()
    payment = october.get_by_test_id(f"event-payment-{history.payment.pk}")
    expect(payment).to_contain_text("Оплата 665,60 ₽")

    with page.expect_download() as download_info:
        bill.get_by_role("link", name="Печать квитанции").click()
    assert download_info.value.suggested_filename == "kvitanciya_680123456_2026-10.pdf"

    page.get_by_role("link", name="Оплаты").click()
    expect(page.get_by_test_id(f"event-payment-{history.payment.pk}")).to_be_visible()
    expect(page.get_by_test_id(f"event-bill-{history.bill.pk}")).to_have_count(0)


def test_the_statistics_page_shows_the_years_highest_month(
    page: Page, live_server: LiveServer
) -> None:
    customer = make_customer()
    history = make_history(customer)
    for month, volume in ((2, "310"), (4, "377"), (7, "189")):
        make_charge(
            history.account, history.electricity, period=dt.date(2025, month, 1),
            volume=Decimal(volume),
        )  # fmt: skip
    logged_in(page, live_server, customer)

    page.goto(f"/accounts/{history.account.pk}/")
    page.get_by_role("link", name="Статистика").click()
    page.get_by_label("Год", exact=True).select_option("2025")
    page.get_by_role("button", name="Показать").click()

    code = history.electricity.code
    expect(page.get_by_test_id(f"highest-service-{code}")).to_have_text("Апрель — 377 кВт·ч")
    expect(page.get_by_test_id(f"lowest-service-{code}")).to_have_text("Июль — 189 кВт·ч")
    chart = page.get_by_role("img", name="Электроснабжение: 2025 год и 2024 год по месяцам")
    expect(chart).to_be_visible()
    table = page.get_by_test_id(f"table-service-{code}")
    expect(table.get_by_role("row", name="Апрель")).to_contain_text("377")
