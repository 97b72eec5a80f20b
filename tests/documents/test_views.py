"""Bill history, PDF download and bill by e-mail: ownership, filter, rate limit."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from kabinet.billing.models import Bill
from kabinet.identity.models import User
from kabinet.messaging.models import OutgoingMessage
from tests.factories import (
    make_account,
    make_bill,
    make_charge,
    make_email_customer,
    make_link,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(two_recipient_bill: Bill) -> User:
    user = make_email_customer("owner@example.org")
    make_link(user, two_recipient_bill.account)
    return user


@pytest.fixture
def client_of(owner: User) -> Client:
    client = Client()
    client.force_login(owner)
    return client


def history_url(bill: Bill) -> str:
    return f"/accounts/{bill.account_id}/bills/"


def pdf_url(bill: Bill, account_id: int | None = None) -> str:
    return f"/accounts/{account_id or bill.account_id}/bills/{bill.pk}.pdf"


def email_url(bill: Bill) -> str:
    return f"/accounts/{bill.account_id}/bills/{bill.pk}/email/"


def test_the_history_shows_each_bill_with_its_summary_and_services(
    client_of: Client, two_recipient_bill: Bill
) -> None:
    response = client_of.get(
        history_url(two_recipient_bill),
        {"range": "custom", "date_from": "2026-01", "date_to": "2026-12"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Квитанция за Сентябрь 2026" in html or "Квитанция за сентябрь 2026" in html
    assert "2 097,04" in html or "2\xa0097,04" in html
    # Detail by service: the charges table of the bill's period, one click away.
    charges_url = f"/accounts/{two_recipient_bill.account_id}/charges/?period=2026-09"
    assert charges_url in html
    detail = client_of.get(charges_url).content.decode()
    assert "Электроснабжение" in detail
    assert "Содержание жилого помещения" in detail
    assert "Печать квитанции" in html
    assert pdf_url(two_recipient_bill) in html
    # The page sits in the account layout: the «Квитанции» tab is current, the sidebar lists
    # the customer's accounts.
    assert 'aria-current="page"' in html
    assert f'href="/accounts/{two_recipient_bill.account_id}/charges/"' in html
    assert "Пока нет привязанных лицевых счетов" not in html


def test_each_recipient_has_its_detail_by_service_whose_rows_add_up(
    client_of: Client, two_recipient_bill: Bill
) -> None:
    """Seeds 003 and 004: «Общая информация» per recipient, then «Детализация по услугам»."""
    response = client_of.get(
        history_url(two_recipient_bill),
        {"range": "custom", "date_from": "2026-01", "date_to": "2026-12"},
    )
    html = response.content.decode()
    details = html.split('data-testid="bill-detail"')[1:]
    assert len(details) == 2
    assert "Детализация по услугам:" in details[0]
    assert "Электроснабжение" in html.split('data-testid="bill-detail"', 1)[1]
    [bill] = [b for b in response.context["bills"] if b.pk == two_recipient_bill.pk]
    for section in bill.statement.sections:
        for line in section.lines:
            assert line.total == (
                line.opening_balance
                + line.charged
                + line.surcharge
                + line.recalculation
                - line.benefits
                - line.paid
            ), line


def test_the_history_costs_a_fixed_number_of_queries(
    client_of: Client, two_recipient_bill: Bill, django_assert_max_num_queries: Any
) -> None:
    account = two_recipient_bill.account
    for month in range(1, 9):
        make_bill(account, period=dt.date(2026, month, 1))
        make_charge(account, period=dt.date(2026, month, 1))
    # Session, user, the ETag's versions, the links, the bills, their sections, their charge
    # lines (one query each, however many bills), the newest bill and the portal payments not
    # yet in it (its card shows them), the menu's badge and the unread notifications' marks (one
    # cached count, read here with the cache cold).
    with django_assert_max_num_queries(11):
        response = client_of.get(history_url(two_recipient_bill), {"range": "12"})
    assert response.status_code == 200


def test_the_period_filter_keeps_bills_in_range(
    client_of: Client, two_recipient_bill: Bill
) -> None:
    account = two_recipient_bill.account
    make_bill(account, period=dt.date(2025, 1, 1), total=Decimal("-15.00"))
    make_charge(account, period=dt.date(2025, 1, 1))

    html = client_of.get(
        history_url(two_recipient_bill),
        {"range": "custom", "date_from": "2024-12", "date_to": "2025-02"},
    ).content.decode()

    assert "2025" in html
    assert "Квитанция за" in html
    assert "2 097,04" not in html
    assert "2\xa0097,04" not in html
    assert "Переплата" in html
    assert "15,00" in html


def test_a_bad_custom_range_shows_an_error_next_to_the_field(
    client_of: Client, two_recipient_bill: Bill
) -> None:
    response = client_of.get(
        history_url(two_recipient_bill),
        {"range": "custom", "date_from": "2026-09", "date_to": "2026-01"},
    )
    assert response.status_code == 200
    assert "Конец периода раньше его начала." in response.content.decode()


def test_the_last_months_are_the_default(
    client_of: Client, two_recipient_bill: Bill, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a filter the history shows the last 6 months and the current one
    (BillPeriodForm.default_range): on 21 November 2026, May to November."""
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC))
    account = two_recipient_bill.account
    shown = [
        two_recipient_bill,  # September
        make_bill(account, period=dt.date(2026, 5, 1)),
        make_bill(account, period=dt.date(2026, 11, 1)),
    ]
    hidden = [
        make_bill(account, period=dt.date(2026, 4, 1)),
        make_bill(account, period=dt.date(2025, 11, 1)),
    ]

    response = client_of.get(history_url(two_recipient_bill))

    html = response.content.decode()
    assert response.status_code == 200
    assert [f'id="bill-{bill.pk}"' in html for bill in shown] == [True] * len(shown)
    assert [f'id="bill-{bill.pk}"' in html for bill in hidden] == [False] * len(hidden)
    assert re.search(r'<option value="6"[^>]*selected', html)
    # The same bills as asking for 6 months explicitly.
    explicit = client_of.get(history_url(two_recipient_bill), {"range": "6"}).content.decode()
    assert re.findall(r'id="bill-(\d+)"', explicit) == re.findall(r'id="bill-(\d+)"', html)


def test_the_pdf_is_an_attachment_named_by_account_and_period(
    client_of: Client, two_recipient_bill: Bill
) -> None:
    response = client_of.get(pdf_url(two_recipient_bill))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="kvitanciya_680123456_2026-09.pdf"'
    )
    assert response.content.startswith(b"%PDF")


def test_another_users_account_or_bill_is_a_404(
    client_of: Client, two_recipient_bill: Bill
) -> None:
    stranger_bill = make_bill(make_account())
    assert client_of.get(history_url(stranger_bill)).status_code == 404
    assert client_of.get(pdf_url(stranger_bill)).status_code == 404
    # Someone else's bill under the user's own account id.
    assert client_of.get(pdf_url(stranger_bill, two_recipient_bill.account_id)).status_code == 404
    assert client_of.post(email_url(stranger_bill)).status_code == 404


def test_anonymous_users_are_sent_to_log_in(two_recipient_bill: Bill) -> None:
    response = Client().get(pdf_url(two_recipient_bill))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_e_mail_sends_the_pdf_as_an_attachment(
    client_of: Client, two_recipient_bill: Bill, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of.post(email_url(two_recipient_bill), follow=True)

    assert "Квитанция отправлена на owner@example.org." in response.content.decode()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["owner@example.org"]
    assert "680123456" in sent.subject
    ((filename, content, mimetype),) = sent.attachments
    assert filename == "kvitanciya_680123456_2026-09.pdf"
    assert mimetype == "application/pdf"
    assert bytes(content).startswith(b"%PDF")


def test_without_a_confirmed_e_mail_the_user_is_sent_to_the_profile(
    two_recipient_bill: Bill,
) -> None:
    user = make_email_customer("new@example.org", confirmed=False)
    make_link(user, two_recipient_bill.account)
    client = Client()
    client.force_login(user)

    response = client.post(email_url(two_recipient_bill), follow=True)

    html = response.content.decode()
    assert "подтвердите e-mail в профиле" in html
    assert 'href="/profile/"' in html
    assert not OutgoingMessage.objects.exists()


def test_e_mail_is_rate_limited(client_of: Client, two_recipient_bill: Bill) -> None:
    for _ in range(10):
        client_of.post(email_url(two_recipient_bill))
    response = client_of.post(email_url(two_recipient_bill), follow=True)

    assert "Попробуйте через час" in response.content.decode()
    assert OutgoingMessage.objects.count() == 10
