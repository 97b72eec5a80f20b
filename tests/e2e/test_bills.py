"""The bill history in a real browser: filter, print (download the PDF), get it by e-mail."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from kabinet.identity.models import User
from tests.documents.sample import make_two_recipient_bill
from tests.factories import make_link

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Secret-Pass-2024x"
PHONE = "+79161234568"


def test_a_customer_filters_prints_and_mails_a_bill(page: Page) -> None:
    bill = make_two_recipient_bill()
    user = User.objects.create_user(
        username="bills-e2e",
        password=PASSWORD,
        phone=PHONE,
        phone_confirmed_at=timezone.now(),
        email="petrova@example.org",
        email_confirmed_at=timezone.now(),
        last_name="Петрова",
        first_name="Мария",
    )
    make_link(user, bill.account)

    page.goto("/login/")
    page.get_by_label("Телефон или E-mail").fill("8 916 123-45-68")
    page.get_by_label("Пароль", exact=False).first.fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url("**/")

    page.goto(f"/accounts/{bill.account_id}/bills/")
    page.get_by_label("Период", exact=True).select_option("custom")
    page.get_by_label("Месяц с").fill("2026-01")
    page.get_by_label("Месяц по").fill("2026-12")
    page.get_by_role("button", name="Показать").click()

    section = page.locator("section.card").first
    expect(section).to_contain_text("2026")
    expect(section).to_contain_text("2 097,04")
    with page.expect_download() as download_info:
        section.get_by_role("link", name="Печать квитанции").click()
    download = download_info.value
    assert download.suggested_filename == "kvitanciya_680123456_2026-09.pdf"

    section.get_by_role("button", name="Получить на e-mail").click()
    expect(page.locator(".messages")).to_contain_text(
        "Квитанция отправлена на petrova@example.org."
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].attachments[0][0] == "kvitanciya_680123456_2026-09.pdf"

    # The detail by service of a bill is the charges table of its period.
    page.locator("section.card").first.get_by_role("link", name="Начисления по услугам").click()
    expect(page.get_by_role("rowheader", name="Содержание жилого помещения")).to_be_visible()
    assert "period=2026-09" in page.url
