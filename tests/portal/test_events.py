"""«Все события»: the months, what each lists and links, the tabs, the period form and
ownership."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.billing.selectors import linked_account
from kabinet.core.timeline import Event, timeline
from kabinet.identity.models import User
from tests.factories import (
    file_appeal,
    file_request,
    make_account,
    make_bill,
    make_charge,
    make_customer,
    make_link,
    make_payment,
    make_reading,
)
from tests.portal.sample import History

pytestmark = pytest.mark.django_db

OCTOBER, NOVEMBER = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def _months(
    customer: User,
    history: History,
    first: dt.date,
    last: dt.date,
    only: tuple[str, ...] | None = None,
) -> dict[dt.date, list[Event]]:
    link = linked_account(customer, history.account.pk)
    return {m.period: m.events for m in timeline(link, first, last, only)}


def test_a_month_lists_its_reading_with_the_bill_it_was_counted_in_the_bill_and_payment(
    customer: User, history: History
) -> None:
    months = _months(customer, history, dt.date(2026, 9, 1), NOVEMBER)

    assert list(months) == [NOVEMBER, OCTOBER, dt.date(2026, 9, 1)]  # newest first, empty too
    october = {(e.kind, e.ref): e for e in months[OCTOBER]}
    reading = october["reading", history.reading.pk]
    assert reading.bill_id == history.bill.pk
    assert reading.text == "Учтено в счёте за октябрь 2026"
    assert [(line.label, line.value) for line in reading.lines[:2]] == [
        ("День", "14\xa0323,00 кВт·ч"),
        ("Ночь", "5\xa0120,00 кВт·ч"),
    ]
    bill = october["bill", history.bill.pk]
    assert bill.title == "Квитанция за октябрь 2026"
    assert bill.bill_id == history.bill.pk
    assert [(p.label, p.value) for p in bill.parts] == [
        ("Водоканал", "344,63\xa0₽"),
        ("ТЭСК", "1\xa0200,50\xa0₽"),
    ]
    assert october["payment", history.payment.pk].amount == history.payment.amount
    assert months[dt.date(2026, 9, 1)] == []


def test_a_payment_belongs_to_the_month_of_its_day_in_the_suppliers_zone(
    customer: User, history: History
) -> None:
    months = _months(customer, history, OCTOBER, NOVEMBER)

    november = [(e.kind, e.ref) for e in months[NOVEMBER]]
    assert ("payment", history.bank_payment.pk) in november
    assert ("payment", history.bank_payment.pk) not in [(e.kind, e.ref) for e in months[OCTOBER]]
    bank = next(e for e in months[NOVEMBER] if e.ref == history.bank_payment.pk)
    assert bank.day == dt.date(2026, 11, 1)
    assert bank.lines[0].value == "Банк, Сбербанк"


def test_a_reading_taken_on_the_last_day_of_a_month_is_in_that_month_only(
    customer: User, history: History
) -> None:
    meter = history.reading.meter
    late = make_reading(meter, period=dt.date(2026, 9, 1), taken_on=dt.date(2026, 9, 30))

    months = _months(customer, history, dt.date(2026, 9, 1), OCTOBER)

    assert [e.ref for e in months[dt.date(2026, 9, 1)]] == [late.pk]
    assert late.pk not in [e.ref for e in months[OCTOBER]]


def test_requests_and_appeals_of_the_account_join_the_timeline(
    customer: User, history: History, client_in: Client
) -> None:
    request = file_request(history.link)
    appeal = file_appeal(history.link)
    other = make_account(history.account.supplier)
    file_appeal(make_link(customer, other))  # another account's appeal stays on its card
    today = request.created_at.date()

    months = _months(customer, history, today, today)
    kinds = {(e.kind, e.ref) for events in months.values() for e in events}

    assert {("request", request.pk), ("appeal", appeal.pk)} <= kinds
    assert [k for k in kinds if k[0] == "appeal"] == [("appeal", appeal.pk)]


def test_the_page_links_the_bill_pdf_and_shows_every_event_of_the_month(
    client_in: Client, history: History
) -> None:
    url = reverse("portal:events", args=[history.account.pk])
    response = client_in.get(url, {"range": "custom", "date_from": "2026-10", "date_to": "2026-10"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Октябрь 2026" in html
    assert "Квитанция за октябрь 2026" in html
    pdf = reverse("documents:bill_pdf", args=[history.account.pk, history.bill.pk])
    assert html.count(f'href="{pdf}"') == 2  # the bill's «Печать квитанции» and the reading's
    assert "Печать квитанции" in html
    assert "Оплата 665,60\xa0₽" in html
    assert "6-123-3" in html


def test_a_tab_shows_only_its_kind(client_in: Client, history: History) -> None:
    period = {"range": "custom", "date_from": "2026-10", "date_to": "2026-11"}
    url = reverse("portal:events_tab", args=[history.account.pk, "payments"])
    html = client_in.get(url, period).content.decode()

    assert "Оплата 665,60\xa0₽" in html
    assert "Квитанция за октябрь 2026" not in html
    assert "6-123-3" not in html
    assert client_in.get(f"/accounts/{history.account.pk}/history/nonsense/").status_code == 404


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"range": "custom", "date_from": "2026-11", "date_to": "2026-10"}, "date_to",
         "Конец периода раньше его начала."),
        ({"range": "custom", "date_from": "2026-13", "date_to": "2026-10"}, "date_from",
         "Укажите месяц в виде ГГГГ-ММ, например 2026-09."),
        ({"range": "custom", "date_from": "1990-01", "date_to": "2026-10"}, "date_to",
         "Выберите не больше 60 месяцев."),
        ({"range": "custom", "date_to": "2026-10"}, "date_from", "Укажите начало периода."),
    ],
)  # fmt: skip
def test_a_wrong_period_is_explained_next_to_its_field(
    client_in: Client, history: History, query: dict[str, str], field: str, message: str
) -> None:
    url = reverse("portal:events", args=[history.account.pk])
    response = client_in.get(url, query)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert f'id="id_{field}_error">{message}</div>' in response.content.decode()
    # A wrong period exports nothing: the page comes back with the message instead.
    exported = client_in.get(url, {**query, "format": "csv"})
    assert exported["Content-Type"].startswith("text/html")


def test_another_customers_account_is_not_found(client: Client, history: History) -> None:
    stranger = make_customer()
    client.force_login(stranger)
    for url in (
        reverse("portal:events", args=[history.account.pk]),
        reverse("portal:events_tab", args=[history.account.pk, "bills"]),
        reverse("portal:events", args=[history.account.pk]) + "?format=xlsx",
        reverse("portal:statistics", args=[history.account.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_the_page_reads_a_fixed_number_of_queries_whatever_the_number_of_events(
    client_in: Client, history: History
) -> None:
    url = reverse("portal:events", args=[history.account.pk])
    period = {"range": "custom", "date_from": "2026-09", "date_to": "2026-11"}

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client_in.get(url, period).status_code == 200
        return len(queries)

    count()  # the first page also fills the menu's cached counts
    before = count()
    meter = history.reading.meter
    for day in (3, 9, 27):
        make_reading(
            meter, period=dt.date(2026, 9, 1), taken_on=dt.date(2026, 9, day), source="billing"
        )
        make_payment(history.account, paid_at=dt.datetime(2026, 9, day, 8, tzinfo=dt.UTC))
    make_bill(history.account, period=dt.date(2026, 9, 1))
    file_request(history.link)

    assert count() == before


def test_a_bills_detail_lists_each_suppliers_service_lines_under_it(
    customer: User, history: History
) -> None:
    energy = history.account.supplier
    make_charge(history.account, history.electricity, period=OCTOBER, zone="night",
                total=Decimal("400.50"))  # fmt: skip
    make_charge(history.account, history.electricity, period=OCTOBER, zone="day",
                total=Decimal("800.00"))  # fmt: skip
    make_charge(history.account, history.electricity, period=dt.date(2026, 9, 1))  # not this bill
    assert energy.short_name == "ТЭСК"

    months = _months(customer, history, OCTOBER, OCTOBER)
    bill = next(e for e in months[OCTOBER] if e.kind == "bill")

    assert [(p.label, p.value) for p in bill.parts] == [
        ("Водоканал", "344,63\xa0₽"),
        ("ТЭСК", "1\xa0200,50\xa0₽"),
        ("— Электроснабжение T1 день", "800,00\xa0₽"),
        ("— Электроснабжение T2 ночь", "400,50\xa0₽"),
    ]


def test_the_accounts_notifications_join_the_timeline(customer: User, history: History) -> None:
    """Issue 17: «Все события» lists the notifications beside readings, bills and payments."""
    from kabinet.notifications.models import Kind, Notification

    note = Notification.objects.create(
        user=customer,
        account=history.account,
        kind=Kind.NEW_BILL,
        key="2026-10",
        payload={"period": "2026-10-01", "total": "1545.13", "due_date": "2026-11-25"},
    )
    Notification.objects.filter(pk=note.pk).update(
        created_at=dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)
    )
    october = _months(customer, history, OCTOBER, OCTOBER)[OCTOBER]
    [event] = [e for e in october if e.kind == "notification"]
    assert event.ref == note.pk
    assert event.day == dt.date(2026, 10, 5)
    assert event.title
    other = _months(customer, history, OCTOBER, OCTOBER, only=("reading",))[OCTOBER]
    assert all(e.kind == "reading" for e in other)
