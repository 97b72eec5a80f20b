"""The staff area in a real browser: a customer's appeal with a file is answered by an operator,
and the customer reads the answer in the portal."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import FilePayload, Page, expect

from kabinet.identity.models import User
from kabinet.support import services as support
from kabinet.support.models import Appeal
from tests.e2e.conftest import log_in
from tests.factories import (
    STAFF_PASSWORD,
    make_account,
    make_link,
    make_staff,
    make_supplier,
    png_upload,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CUSTOMER_PASSWORD = "Secret-Pass-2024x"
PHONE = "+79161230099"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_staff_answer_an_appeal_and_the_customer_reads_it(page: Page) -> None:
    supplier = make_supplier(short_name="Энергосбыт")
    customer = User.objects.create_user(
        username="staff-e2e-customer",
        password=CUSTOMER_PASSWORD,
        phone=PHONE,
        phone_confirmed_at=timezone.now(),
        last_name="Сидорова",
        first_name="Ольга",
    )
    account = make_account(supplier, number="5005009")
    make_link(customer, account)
    appeal = support.create_appeal(
        user=customer,
        supplier=supplier,
        account=account,
        topic="readings",
        text="Показания не приняли, фото счётчика прилагаю.",
        files=[png_upload("schetchik.png")],
    )
    operator = make_staff(supplier, username="ivanova", last_name="Иванова", first_name="Ирина")

    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/staff/login/"))
    page.get_by_label("Имя пользователя").fill(operator.username)
    page.get_by_label("Пароль").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name="Очередь обращений")).to_be_visible()
    page.get_by_role("link", name=str(appeal.number)).click()
    expect(page.get_by_text("Показания не приняли, фото счётчика прилагаю.")).to_be_visible()
    with page.expect_popup() as popup:
        page.get_by_role("link", name="schetchik.png").click()
    expect(popup.value).to_have_url(re.compile(r"/staff/files/\d+/"))
    popup.value.close()

    # An empty answer is refused next to the field.
    page.get_by_role("button", name="Отправить ответ").click()
    expect(page.locator(".invalid-feedback", has_text="Напишите текст ответа.")).to_be_visible()
    expect(page.locator("[data-error-summary]")).to_be_focused()

    page.get_by_label("Ответ").fill("Показания приняты вручную, перерасчёт в следующем месяце.")
    page.get_by_label("Вложения").set_input_files(
        files=[FilePayload(name="akt.pdf", mimeType="application/pdf", buffer=PDF)]
    )
    page.get_by_role("button", name="Отправить ответ").click()
    expect(page.get_by_text("Ответ отправлен клиенту.")).to_be_visible()
    expect(page.get_by_text("Дан ответ").first).to_be_visible()
    appeal.refresh_from_db()
    assert appeal.customer_unread

    page.get_by_role("button", name="Выход").click()
    expect(page).to_have_url(re.compile(r"/staff/login/"))

    log_in(page, "8 916 123-00-99", CUSTOMER_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/support/appeals/{appeal.pk}/")
    expect(
        page.get_by_text("Показания приняты вручную, перерасчёт в следующем месяце.")
    ).to_be_visible()
    expect(page.get_by_role("link", name="akt.pdf")).to_be_visible()
    assert not Appeal.objects.get(pk=appeal.pk).customer_unread
