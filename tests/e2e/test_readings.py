"""Readings in a real browser: a day/night meter inside the window with a photo, a lower value
refused, a roll-over confirmed, and the closed form with its countdown."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from kabinet.billing.models import Account, AccountLink
from kabinet.identity.models import User
from kabinet.metering.models import Meter, Reading
from tests.factories import make_meter, make_supplier
from tests.metering.conftest import (  # noqa: F401 - fixtures shared with tests/metering
    MSK,
    Clock,
    accepted,
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


def logged_in(page: Page, live_server: LiveServer, user: User) -> None:
    # The login form has its own browser tests; here the session is made directly.
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def open_form(page: Page, account: Account) -> None:
    page.goto(f"/accounts/{account.pk}/")
    page.get_by_role("link", name="Передать показания").click()
    expect(page.get_by_role("heading", name="Передача показаний")).to_be_visible()


def test_a_day_night_meter_is_read_confirmed_and_sent_with_a_photo(
    page: Page,
    live_server: LiveServer,
    clock: Clock,
    customer: User,
    link: AccountLink,
    account: Account,
    day_night: Meter,
    tmp_path: Path,
) -> None:
    photo = tmp_path / "meter.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "gray").save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())
    logged_in(page, live_server, customer)

    open_form(page, account)
    row = page.locator("tr", has_text="007017945")
    expect(row).to_contain_text("День 12 345,6 / Ночь 4 567,8")
    row.get_by_label("День").fill("12400,5")
    row.get_by_label("Ночь").fill("4600")
    page.get_by_role("button", name="Передать показания").click()

    to_send = page.get_by_test_id("to-send")
    expect(to_send).to_contain_text("День: 12 400,5 кВт·ч")
    expect(to_send).to_contain_text("Ночь: 4 600,0 кВт·ч")
    page.get_by_role("button", name="Исправить").click()
    expect(page.locator("tr", has_text="007017945").get_by_label("День")).to_have_value("12400,5")
    page.locator("tr", has_text="007017945").get_by_label("День").fill("12401")
    page.get_by_role("button", name="Передать показания").click()
    expect(page.get_by_test_id("to-send")).to_contain_text("День: 12 401,0")
    page.get_by_label("Фото счётчика или квитанции").set_input_files(photo)
    page.get_by_role("button", name="Продолжить").click()

    expect(page.locator(".messages")).to_contain_text("Показания переданы")
    entered = page.locator("tr", has_text="007017945").get_by_test_id("entered")
    expect(entered).to_contain_text("День 12 401,0 / Ночь 4 600,0")
    expect(entered).to_contain_text("Передано")
    reading = Reading.objects.get(source="portal")
    assert reading.photo_content_type == "image/jpeg"

    page.get_by_role("link", name="История показаний").click()
    photo_link = page.get_by_role("link", name="Открыть")
    expect(photo_link).to_have_attribute(
        "href", f"/accounts/{account.pk}/readings/{reading.pk}/photo/"
    )


def test_a_lower_value_is_refused_and_a_roll_over_is_confirmed(
    page: Page,
    live_server: LiveServer,
    clock: Clock,
    customer: User,
    link: AccountLink,
    account: Account,
    day_night: Meter,
) -> None:
    old = make_meter(account, serial_number="OLD-9999", integer_digits=4, fraction_digits=0)
    accepted(old, dt.date(2026, 9, 20), "9990")
    logged_in(page, live_server, customer)

    open_form(page, account)
    row = page.locator("tr", has_text="007017945")
    row.get_by_label("День").fill("12000")
    row.get_by_label("Ночь").fill("4600")
    page.get_by_role("button", name="Передать показания").click()
    expect(page.locator("tr", has_text="007017945").locator(".invalid-feedback")).to_have_text(
        "Показание не может быть меньше предыдущего принятого (12 345,6)."
    )

    page.locator("tr", has_text="007017945").get_by_label("День").fill("")
    page.locator("tr", has_text="007017945").get_by_label("Ночь").fill("")
    page.locator("tr", has_text="OLD-9999").get_by_label("Показание").fill("12")
    page.get_by_role("button", name="Передать показания").click()
    expect(page.get_by_test_id("to-send")).to_contain_text("перешёл через ноль после 9999")
    page.get_by_label("Подтверждаю: счётчик перешёл через ноль").check()
    page.get_by_role("button", name="Продолжить").click()

    expect(page.locator(".messages")).to_contain_text("Показания переданы")
    assert Reading.objects.get(source="portal", meter=old).rollover_confirmed


def test_outside_the_window_the_form_is_closed_with_a_countdown(
    page: Page,
    live_server: LiveServer,
    clock: Clock,
    customer: User,
    link: AccountLink,
    account: Account,
    day_night: Meter,
) -> None:
    clock.moment = dt.datetime(2026, 10, 27, 9, 0, tzinfo=clock.moment.tzinfo)
    logged_in(page, live_server, customer)

    open_form(page, account)

    expect(page.get_by_test_id("window")).to_contain_text("Приём показаний закрыт")
    expect(page.get_by_test_id("countdown")).to_have_text(
        "Приём откроется через 19 дн. — 15.11.2026"
    )
    expect(page.get_by_role("button", name="Передать показания")).to_have_count(0)
    expect(page.get_by_role("textbox")).to_have_count(0)


def test_a_tomsk_suppliers_readings_page_shows_tomsk_dates_and_times(
    page: Page,
    live_server: LiveServer,
    clock: Clock,
    customer: User,
    link: AccountLink,
    account: Account,
    day_night: Meter,
) -> None:
    """The account's meter belongs to a Tomsk utility (UTC+7) on a Moscow site: its window opens
    at midnight in Tomsk, 20:00 the evening before in Moscow."""
    tomsk = make_supplier(
        short_name="Томскэнергосбыт",
        time_zone="Asia/Tomsk",
        readings_first_day=10,
        readings_last_day=25,
        readings_close_time=dt.time(18, 0),
    )
    Meter.objects.filter(pk=day_night.pk).update(supplier=tomsk)
    clock.moment = dt.datetime(2026, 12, 9, 19, 30, tzinfo=MSK)  # 23:30 on the 9th in Tomsk
    logged_in(page, live_server, customer)

    open_form(page, account)

    expect(page.get_by_test_id("window")).to_contain_text(
        "Показания принимаются с 10 по 25 число (до 18:00 по времени Томска)."
    )
    expect(page.get_by_test_id("countdown")).to_have_text(
        "Приём откроется через 1 день — 10.12.2026 00:00 по времени Томска"
    )
    expect(page.get_by_role("textbox")).to_have_count(0)

    clock.moment = dt.datetime(2026, 12, 9, 20, 0, tzinfo=MSK)  # midnight in Tomsk
    page.reload()

    expect(page.get_by_test_id("window")).to_contain_text(
        "Приём открыт до 25.12.2026 18:00 по времени Томска."
    )
    row = page.locator("tr", has_text="007017945")
    row.get_by_label("День").fill("12400")
    row.get_by_label("Ночь").fill("4600")
    page.get_by_role("button", name="Передать показания").click()
    expect(page.get_by_test_id("to-send")).to_contain_text("День: 12 400,0 кВт·ч")
    page.get_by_role("button", name="Продолжить").click()

    expect(page.locator(".messages")).to_contain_text("Показания переданы")
    reading = Reading.objects.get(source="portal")
    # Taken on the Tomsk date, for the Tomsk window's month.
    assert (reading.taken_on, reading.period) == (dt.date(2026, 12, 10), dt.date(2026, 12, 1))
