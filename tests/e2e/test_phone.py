"""The core journeys on a phone (375 × 812, and 320 px where it is cheap): register, link an
account, submit a day/night reading, pay — and every customer, public and staff page, with the
main forms' error states, no wider than the screen.

"Fits" means what a customer would notice: the page does not scroll sideways
(``document.scrollingElement.scrollWidth <= innerWidth``) and the inputs the journey needs lie
inside the screen's width, not in a sideways scroller off to the right.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from kabinet.billing.models import Account, AccountLink
from kabinet.identity.models import User
from kabinet.metering.models import Meter
from kabinet.support.models import Appeal, ServiceRequest
from tests.documents.sample import make_two_recipient_bill
from tests.e2e.conftest import log_in
from tests.e2e.test_auth import accept_consents, pass_captcha
from tests.e2e.test_readings import logged_in
from tests.factories import STAFF_PASSWORD, make_account, make_link, make_staff, make_supplier
from tests.identity.conftest import last_code
from tests.metering.conftest import (  # noqa: F401 - fixtures shared with tests/metering
    Clock,
    account,
    clock,
    customer,
    day_night,
    electricity,
    link,
    supplier,
)

# ruff: noqa: F811

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = ViewportSize(width=375, height=812)
SMALL_PHONE = ViewportSize(width=320, height=640)
PASSWORD = "Secret-Pass-2024x"

PAGE_WIDTH = """() => ({
  scrollWidth: document.scrollingElement.scrollWidth,
  innerWidth: window.innerWidth,
})"""


def assert_fits(page: Page, *inputs: Locator) -> None:
    """The page does not scroll sideways and each of ``inputs`` lies within the screen's width."""
    width = page.evaluate(PAGE_WIDTH)
    assert width["scrollWidth"] <= width["innerWidth"], (
        f"{page.url} is {width['scrollWidth']} px wide on a {width['innerWidth']} px screen"
    )
    for locator in inputs:
        box = locator.bounding_box()
        assert box is not None, f"{locator} is not displayed"
        where = (
            f"{locator} sits at x = {box['x']:.0f}–{box['x'] + box['width']:.0f} px on a "
            f"{width['innerWidth']} px screen"
        )
        assert box["x"] >= 0, where
        assert box["x"] + box["width"] <= width["innerWidth"], where


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size(PHONE)
    return page


@pytest.fixture
def _auth_settings(settings: Any, live_server: LiveServer) -> None:
    settings.ALTCHA_MAX_NUMBER = 5000
    settings.SITE_URL = live_server.url


@pytest.mark.usefixtures("_auth_settings")
@pytest.mark.parametrize("size", [PHONE, SMALL_PHONE], ids=["375px", "320px"])
def test_a_customer_registers_by_phone_on_a_phone(page: Page, size: ViewportSize) -> None:
    page.set_viewport_size(size)
    page.goto("/register/")
    number = page.get_by_label("Мобильный телефон")
    # The phone keypad, and one type attribute only.
    assert number.evaluate("input => input.outerHTML.match(/ type=/g).length") == 1
    expect(number).to_have_attribute("type", "tel")
    expect(number).to_have_attribute("autocomplete", "tel")

    # A failed submit: the summary on top takes the focus and leads to the field.
    number.fill("123")
    page.get_by_role("button", name="Продолжить").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Неверный номер телефона")
    assert_fits(page, summary, number)
    summary.get_by_role("link", name=re.compile("Мобильный телефон")).click()
    expect(page.get_by_label("Мобильный телефон")).to_be_focused()

    page.get_by_label("Мобильный телефон").fill("8 916 123-45-67")
    accept_consents(page)
    pass_captcha(page)
    assert_fits(page, page.get_by_role("button", name="Продолжить"))
    page.get_by_role("button", name="Продолжить").click()

    code = page.get_by_label("Код")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(code).to_have_attribute("inputmode", "numeric")
    assert_fits(page, code)
    code.fill(last_code("+79161234567"))
    page.get_by_role("button", name="Продолжить").click()

    password = page.get_by_label("Придумайте пароль")
    expect(password).to_have_attribute("autocomplete", "new-password")
    assert_fits(page, password, page.get_by_label("Повтор пароля"))
    password.fill(PASSWORD)
    page.get_by_label("Повтор пароля").fill(PASSWORD)
    page.get_by_label("Фамилия").fill("Иванов")
    page.locator("#id_first_name").fill("Иван")
    page.get_by_role("button", name="Зарегистрироваться").click()

    expect(page.get_by_text("Вы успешно зарегистрировались")).to_be_visible()
    assert_fits(page)


def test_a_customer_links_an_account_on_a_phone(phone: Page) -> None:
    energy = make_supplier(short_name="Энергосбыт", link_by_code=True, link_by_bill_total=False)
    make_supplier(short_name="Водоканал", link_by_code=False, link_by_bill_total=True)
    account = make_account(energy, number="1001", link_code="K7Q2")
    User.objects.create_user(
        username="phone-link",
        password=PASSWORD,
        phone="+79161230078",
        phone_confirmed_at=timezone.now(),
        last_name="Петрова",
        first_name="Анна",
    )
    log_in(phone, "+79161230078", PASSWORD)
    expect(phone).not_to_have_url(re.compile(r"/login/"))

    phone.goto("/accounts/link/")
    assert_fits(phone, phone.get_by_label("Поставщик"))
    phone.get_by_label("Поставщик").select_option(label="Энергосбыт")
    phone.get_by_role("button", name="Далее").click()
    number = phone.get_by_label("Номер лицевого счёта", exact=False)
    code = phone.get_by_label("Код для привязки")
    assert_fits(phone, number, code)

    # Nothing typed: one summary with every error, focused, each field still on screen.
    phone.get_by_role("button", name="Подключить").click()
    expect(phone.locator("[data-error-summary]")).to_be_focused()
    assert_fits(phone, number, code, phone.locator("[data-error-summary]"))

    number.fill("1001")
    phone.get_by_label("Статус отношения к ЛС", exact=False).select_option(label="Наниматель")
    code.fill("k7q2")
    phone.get_by_role("button", name="Подключить").click()
    # The group step (seed 004) fits the phone too.
    expect(phone).to_have_url(re.compile(rf"/accounts/{account.pk}/group/$"))
    assert_fits(phone, phone.get_by_label("Группа"))
    phone.get_by_role("button", name="Продолжить").click()
    expect(phone).to_have_url(re.compile(rf"/accounts/{account.pk}/$"))

    # The account's heading is in the first screen, under a compact account navigation.
    heading = phone.get_by_role("heading", level=1)
    box = heading.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"] / 2
    tabs = phone.get_by_role("navigation", name="Разделы лицевого счёта")
    expect(tabs.get_by_role("link", name="Лицевой счёт")).to_have_attribute("aria-current", "page")
    assert_fits(phone, phone.get_by_role("link", name="Оплатить", exact=True))


def test_a_day_night_reading_is_submitted_on_a_phone(
    phone: Page,
    live_server: LiveServer,
    clock: Clock,
    customer: User,
    link: AccountLink,
    account: Account,
    day_night: Meter,
) -> None:
    logged_in(phone, live_server, customer)
    phone.goto(f"/accounts/{account.pk}/readings/")
    expect(phone.get_by_role("heading", name="Передача показаний")).to_be_visible()

    # One card per meter: the zone inputs are on screen, not off to the right of a scroller.
    card = phone.locator("tr", has_text="007017945")
    day, night = card.get_by_label("День"), card.get_by_label("Ночь")
    expect(day).to_have_attribute("inputmode", "decimal")
    assert_fits(phone, day, night)

    # A value below the last one: the summary names the meter's zone and leads to its input.
    day.fill("1")
    night.fill("4600")
    phone.get_by_role("button", name="Передать показания").click()
    summary = phone.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    assert_fits(phone, summary, phone.locator("tr", has_text="007017945").get_by_label("День"))
    summary.get_by_role("link").first.click()
    expect(phone.locator("tr", has_text="007017945").get_by_label("День")).to_be_focused()

    phone.locator("tr", has_text="007017945").get_by_label("День").fill("12400,5")
    phone.locator("tr", has_text="007017945").get_by_label("Ночь").fill("4600")
    phone.get_by_role("button", name="Передать показания").click()
    expect(phone.get_by_test_id("to-send")).to_contain_text("День: 12 400,5 кВт·ч")
    assert_fits(phone)
    phone.get_by_role("button", name="Продолжить").click()
    expect(phone.get_by_role("alert").or_(phone.get_by_role("status")).first).to_be_visible()
    assert_fits(phone)


def test_a_bill_is_paid_on_a_phone(phone: Page) -> None:
    bill = make_two_recipient_bill()
    user = User.objects.create_user(
        username="phone-pay",
        password=PASSWORD,
        phone="+79161234570",
        phone_confirmed_at=timezone.now(),
        email="payer@example.org",
        email_confirmed_at=timezone.now(),
        last_name="Петрова",
        first_name="Мария",
    )
    make_link(user, bill.account)
    log_in(phone, "+79161234570", PASSWORD)
    expect(phone).not_to_have_url(re.compile(r"/login/"))
    phone.goto(f"/accounts/{bill.account_id}/")
    phone.get_by_role("link", name="Оплатить", exact=True).click()

    amounts = phone.locator(".js-amount")
    expect(amounts.first).to_have_attribute("inputmode", "decimal")
    assert_fits(phone, *amounts.all())

    # Not agreeing to the rules: the summary says so and leads to the checkbox.
    phone.get_by_role("button", name="Оплатить").click()
    summary = phone.get_by_test_id("pay-error")
    expect(summary).to_be_focused()
    assert_fits(phone, summary)

    phone.get_by_label("Пени", exact=True).fill("0")
    expect(phone.get_by_test_id("total")).to_have_text("2 084,70")
    phone.get_by_label("Я согласен с").check()
    button = phone.get_by_role("button", name="Оплатить")
    assert_fits(phone, button)
    box = button.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    button.click()
    expect(phone.get_by_test_id("bank-amount")).to_contain_text("2 084,70")
    assert_fits(phone, phone.get_by_label("Номер карты"))
    phone.get_by_label("Номер карты").fill("4111 1111 1111 1111")
    phone.get_by_role("button", name="Оплатить").click()
    expect(phone.get_by_test_id("payment-result")).to_contain_text("Успешно проведена оплата")
    assert_fits(phone)


# Every page at 375 px -------------------------------------------------------------------------

PUBLIC_PAGES = [
    "/",
    "/login/",
    "/register/",
    "/register/email/",
    "/recover/",
    "/documents/user-agreement/",
    "/documents/personal-data/",
    "/documents/marketing/",
    "/payments/rules/",
    "/support/faq/",
    "/support/catalog/",
    "/staff/login/",
]
# Forms posted empty (or with nonsense) show their error state.
PUBLIC_ERROR_STATES = ["/login/", "/register/", "/register/email/", "/recover/", "/staff/login/"]
ACCOUNT_PAGES = [
    "",
    "charges/",
    "details/",
    "readings/",
    "readings/history/",
    "readings/report/?date_from=2020-01-01&date_to=2030-12-31",
    "bills/",
    "pay/",
    "payments/",
    "requests/",
    "requests/new/",
    "appeals/",
    "documents/",
    "edit/",
    "unlink/",
]
CUSTOMER_PAGES = [
    "/accounts/",
    "/accounts/link/",
    "/payments/",
    "/support/appeals/",
    "/support/appeals/new/",
    "/support/requests/",
    "/support/catalog/",
    "/profile/",
    "/profile/edit/",
    "/profile/password/",
    "/profile/phone/",
    "/profile/email/",
    "/profile/devices/",
    "/profile/delete/",
]
CUSTOMER_ERROR_STATES = [
    "/support/appeals/new/",
    "/profile/password/",
    "/profile/phone/",
    "/profile/email/",
    "/profile/edit/",
]
STAFF_PAGES = [
    "/staff/appeals/",
    "/staff/requests/",
    "/staff/documents/",
    "/staff/customers/?q=а",
    "/staff/suppliers/",
    "/staff/faq/",
    "/staff/faq/new/",
    "/staff/catalog/",
    "/staff/catalog/new/",
    "/staff/audit/",
]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[None]:
    """The demo utility, small: its accounts have charges, meters, bills, payments, requests and
    appeals, so every page has rows to lay out."""
    with override_settings(VAR_DIR=tmp_path, IMPORT_ARCHIVE_DIR=tmp_path / "imports"):
        call_command(
            "seed_demo",
            "--accounts",
            "6",
            "--months",
            "2",
            "--out",
            str(tmp_path / "demo"),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        yield


def too_wide(page: Page, url: str, *, post: bool = False) -> str | None:
    """Open ``url`` (and submit its main form empty when ``post``); what is wrong, or None."""
    page.goto(url)
    if post:
        form = page.locator("main form[method='post']").last
        with page.expect_navigation():
            form.evaluate("form => form.requestSubmit()")
    width = page.evaluate(PAGE_WIDTH)
    if width["scrollWidth"] > width["innerWidth"]:
        return f"{url}{' (error state)' if post else ''}: {width['scrollWidth']} px"
    return None


def test_no_page_is_wider_than_a_phone(
    browser: Browser, live_server: LiveServer, demo: None
) -> None:
    customer = User.objects.get(phone="+79000000001")
    link = AccountLink.objects.filter(user=customer).order_by("pk").first()
    assert link is not None
    account_url = f"/accounts/{link.account_id}/"
    appeal = Appeal.objects.filter(user=customer).first()
    service_request = ServiceRequest.objects.filter(user=customer).first()
    make_staff(username="phone-operator")

    wrong: list[str] = []

    # One context per person, reused across their pages.
    public = browser.new_context(base_url=live_server.url, locale="ru-RU", viewport=PHONE)
    page = public.new_page()
    for url in PUBLIC_PAGES:
        wrong.append(too_wide(page, url) or "")
    for url in PUBLIC_ERROR_STATES:
        wrong.append(too_wide(page, url, post=True) or "")
    public.close()

    context = browser.new_context(base_url=live_server.url, locale="ru-RU", viewport=PHONE)
    page = context.new_page()
    logged_in(page, live_server, customer)
    urls = [*CUSTOMER_PAGES, *(account_url + tail for tail in ACCOUNT_PAGES)]
    charge = page.goto(account_url + "charges/")
    assert charge is not None
    assert charge.ok
    first_charge = page.locator("a[href*='/charges/']").first
    if first_charge.count():
        urls.append(str(first_charge.get_attribute("href")))
    if appeal is not None:
        urls.append(f"/support/appeals/{appeal.pk}/")
    if service_request is not None:
        urls.append(f"/support/requests/{service_request.pk}/")
    for url in urls:
        wrong.append(too_wide(page, url) or "")
    for url in [
        *CUSTOMER_ERROR_STATES,
        account_url + "pay/",
        account_url + "requests/new/",
        f"/accounts/link/?supplier={link.account.supplier_id}",
    ]:
        wrong.append(too_wide(page, url, post=True) or "")
    context.close()

    staff = browser.new_context(base_url=live_server.url, locale="ru-RU", viewport=PHONE)
    page = staff.new_page()
    page.goto("/staff/login/")
    page.get_by_label("Имя пользователя", exact=False).fill("phone-operator")
    page.get_by_label("Пароль").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))
    urls = list(STAFF_PAGES)
    if appeal is not None:
        urls.append(f"/staff/appeals/{appeal.pk}/")
    if service_request is not None:
        urls.append(f"/staff/requests/{service_request.pk}/")
    urls.append(f"/staff/customers/{customer.pk}/")
    urls.append(f"/staff/suppliers/{link.account.supplier_id}/")
    for url in urls:
        wrong.append(too_wide(page, url) or "")
    staff.close()

    assert [w for w in wrong if w] == []
