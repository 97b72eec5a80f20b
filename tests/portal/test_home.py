"""The home page after login: a card per linked account with its balance (portal payments taken
into account), due date, readings window and next actions; the last account opened first."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.billing.models import Account, Supplier
from kabinet.billing.selectors import linked_accounts
from kabinet.identity.models import User
from kabinet.metering import windows
from kabinet.metering.models import Reading
from kabinet.metering.summaries import PAY, SUBMIT_READINGS, account_summaries
from tests.factories import (
    make_account,
    make_bill,
    make_customer,
    make_link,
    make_meter,
    make_payment,
    make_reading,
    make_supplier,
)

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
# Inside the 15–25 window; the bill of October is due on 10 November.
IN_WINDOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=MSK)
BEFORE_WINDOW = dt.datetime(2026, 11, 5, 12, 0, tzinfo=MSK)


@pytest.fixture
def moment(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    """The clock the readings window and the days left read; tests move ``moment[0]``."""
    now = [IN_WINDOW]
    monkeypatch.setattr(windows, "now", lambda: now[0])
    return now


@pytest.fixture
def supplier() -> Supplier:
    return make_supplier(
        short_name="ТЭСК",
        time_zone="Europe/Moscow",
        readings_first_day=15,
        readings_last_day=25,
        readings_close_time=None,
    )


def _account(
    supplier: Supplier, customer: User, total: str = "1545.13", **kwargs: object
) -> Account:
    account = make_account(supplier)
    make_link(customer, account, **kwargs)
    make_bill(
        account,
        [(supplier, Decimal(total))],
        period=dt.date(2026, 10, 1),
        issued_on=dt.date(2026, 11, 1),
        due_date=dt.date(2026, 11, 25),
    )
    return account


def _redirect(client: Client) -> str:
    """Where the «Лицевые счета» menu leads."""
    response = client.get(reverse("portal:last_account"))
    assert response.status_code == 302
    return str(response["Location"])


def _card(html: str, account: Account) -> str:
    match = re.search(
        rf'<article[^>]*data-account="{account.pk}".*?</article>', html, flags=re.DOTALL
    )
    assert match, f"no card for account {account.pk}"
    return re.sub(r"[ \t\n]+", " ", match.group(0))


def test_without_accounts_the_home_page_asks_to_add_one_and_says_where_the_number_is(
    client_in: Client,
) -> None:
    html = client_in.get(reverse("portal:home")).content.decode()
    assert 'data-testid="no-accounts"' in html
    assert f'href="{reverse("accounts:link")}"' in html
    assert "Номер лицевого счёта напечатан в квитанции" in html


def test_a_card_shows_what_is_left_to_pay_after_a_portal_payment(
    client_in: Client, customer: User, supplier: Supplier, moment: list[dt.datetime]
) -> None:
    account = _account(supplier, customer)
    make_payment(
        account, amount=Decimal("545.13"), paid_at=dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
    )
    card = _card(client_in.get(reverse("portal:home")).content.decode(), account)
    assert re.search(r'data-testid="balance"> К оплате <strong[^>]*>1\u00a0000,00\u00a0₽<', card)
    assert "Оплачено 545,13\u00a0₽ 03.11, ожидает учёта" in card
    assert "Оплатить 1\u00a0000,00\u00a0₽" in card
    assert f'href="{reverse("payments:pay", args=[account.pk])}"' in card
    assert "Оплатить до 25.11.2026" in card
    assert "осталось 5 дн." in card


def test_a_paid_account_offers_no_payment(
    client_in: Client, customer: User, supplier: Supplier, moment: list[dt.datetime]
) -> None:
    account = _account(supplier, customer)
    make_payment(
        account, amount=Decimal("1545.13"), paid_at=dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
    )
    card = _card(client_in.get(reverse("portal:home")).content.decode(), account)
    assert "Задолженности нет" in card
    assert "Оплатить" not in card


def test_the_readings_window_and_action_follow_the_suppliers_window_and_the_meters(
    client_in: Client, customer: User, supplier: Supplier, moment: list[dt.datetime]
) -> None:
    account = _account(supplier, customer)
    meter = make_meter(account)
    submit = f'href="{reverse("readings:submit", args=[account.pk])}"'

    card = _card(client_in.get(reverse("portal:home")).content.decode(), account)
    assert "Передать до 25.11" in card
    assert submit in card

    make_reading(meter, period=dt.date(2026, 11, 1), taken_on=dt.date(2026, 11, 20))
    card = _card(client_in.get(reverse("portal:home")).content.decode(), account)
    assert "переданы" in card
    assert submit not in card

    moment[0] = BEFORE_WINDOW
    card = _card(client_in.get(reverse("portal:home")).content.decode(), account)
    assert "откроется 15.11" in card
    assert submit not in card


def test_a_rejected_reading_still_asks_for_readings(
    customer: User, supplier: Supplier, moment: list[dt.datetime]
) -> None:
    account = _account(supplier, customer)
    meter = make_meter(account)
    make_reading(
        meter,
        period=dt.date(2026, 11, 1),
        taken_on=dt.date(2026, 11, 20),
        status=Reading.Status.REJECTED,
    )
    (summary,) = account_summaries(linked_accounts(customer))
    assert summary.actions == [PAY, SUBMIT_READINGS]
    assert summary.windows[0].missing == 1


def test_the_window_is_shown_in_the_suppliers_zone(
    customer: User, moment: list[dt.datetime]
) -> None:
    tomsk = make_supplier(
        short_name="Томскэнерго",
        time_zone="Asia/Tomsk",
        readings_first_day=15,
        readings_last_day=25,
        readings_close_time=None,
    )
    account = _account(tomsk, customer)
    make_meter(account)
    # 25 November 20:00 in Moscow is already 26 November in Tomsk: the window there is closed.
    (summary,) = account_summaries(
        linked_accounts(customer), dt.datetime(2026, 11, 25, 20, 30, tzinfo=MSK)
    )
    assert not summary.windows[0].is_open
    assert summary.windows[0].text == "откроется 15.12 (по времени Томска)"


def test_the_home_page_reads_as_many_rows_for_ten_accounts_as_for_one(
    client_in: Client, customer: User, supplier: Supplier, moment: list[dt.datetime]
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client_in.get(reverse("portal:home")).status_code == 200
        return len(context.captured_queries)

    first = _account(supplier, customer)
    make_meter(first)
    make_payment(first, paid_at=dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC))
    queries()  # the first request of a session fills caches the next ones read
    one = queries()
    for _ in range(9):
        account = _account(make_supplier(), customer)
        make_meter(account)
        make_payment(account, paid_at=dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC))
    assert queries() == one


def test_the_account_opened_last_comes_first_and_the_accounts_menu_opens_on_it(
    client_in: Client, customer: User, supplier: Supplier
) -> None:
    first = _account(supplier, customer, alias="Дача")
    second = _account(supplier, customer, alias="Квартира")
    assert _redirect(client_in) == reverse("accounts:overview", args=[first.pk])

    assert client_in.get(reverse("readings:submit", args=[second.pk])).status_code == 200
    html = client_in.get(reverse("portal:home")).content.decode()
    assert html.index(f'data-account="{second.pk}"') < html.index(f'data-account="{first.pk}"')
    assert _redirect(client_in) == reverse("accounts:overview", args=[second.pk])


def test_someone_elses_account_is_never_remembered(
    client_in: Client, customer: User, supplier: Supplier
) -> None:
    mine = _account(supplier, customer)
    theirs = _account(supplier, make_customer())
    client_in.get(reverse("accounts:overview", args=[mine.pk]))
    assert client_in.get(reverse("accounts:overview", args=[theirs.pk])).status_code == 404
    assert _redirect(client_in) == reverse("accounts:overview", args=[mine.pk])
    html = client_in.get(reverse("portal:home")).content.decode()
    assert f'data-account="{theirs.pk}"' not in html


def test_remembering_the_account_writes_nothing(
    client_in: Client, customer: User, supplier: Supplier
) -> None:
    first, second = _account(supplier, customer), _account(supplier, customer)
    client_in.get(reverse("accounts:overview", args=[first.pk]))
    with CaptureQueriesContext(connection) as context:
        client_in.get(reverse("accounts:overview", args=[second.pk]))
    writes = [
        q["sql"]
        for q in context.captured_queries
        if not q["sql"].lstrip().upper().startswith("SELECT")
    ]
    assert writes == []
    assert _redirect(client_in) == reverse("accounts:overview", args=[second.pk])


def test_another_person_on_the_same_browser_does_not_get_it(
    client_in: Client, customer: User, supplier: Supplier
) -> None:
    shared = _account(supplier, customer)
    other = make_customer()
    own = _account(supplier, other)
    make_link(other, shared)
    client_in.get(reverse("accounts:overview", args=[shared.pk]))
    client_in.force_login(other)
    assert _redirect(client_in) == reverse("accounts:overview", args=[own.pk])


def test_without_accounts_the_accounts_menu_opens_the_list(client_in: Client) -> None:
    assert _redirect(client_in) == reverse("accounts:list")


def test_a_card_counts_its_unread_notifications(
    client_in: Client, customer: User, supplier: Supplier, moment: list[dt.datetime]
) -> None:
    """Issue 17: the home card shows the unread notifications of its account; reading them
    clears the mark."""
    from kabinet.notifications.models import Kind, Notification
    from kabinet.notifications.selectors import forget_unread

    noisy, quiet = _account(supplier, customer), _account(supplier, customer)
    note = Notification.objects.create(
        user=customer, account=noisy, kind=Kind.NEW_BILL, key="2026-10", payload={}
    )
    forget_unread([customer.pk])
    html = client_in.get(reverse("portal:home")).content.decode()
    assert "Непрочитанные уведомления:" in _card(html, noisy)
    assert "Непрочитанные уведомления:" not in _card(html, quiet)

    Notification.objects.filter(pk=note.pk).update(read_at=dt.datetime(2026, 11, 5, tzinfo=dt.UTC))
    forget_unread([customer.pk])
    html = client_in.get(reverse("portal:home")).content.decode()
    assert "Непрочитанные уведомления:" not in _card(html, noisy)
