"""Payment history per account and across accounts: portal and other channels, split, period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kabinet.billing.models import Account, Supplier
from kabinet.identity.models import User
from kabinet.payments.models import Payment
from tests.factories import make_account, make_link, make_payment

pytestmark = pytest.mark.django_db


def recent(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def test_the_account_history_shows_portal_and_billing_payments_split_by_supplier(
    client_in: Client, account: Account, energy: Supplier, housing: Supplier
) -> None:
    make_payment(
        account,
        splits=[(energy, Decimal("300.00")), (housing, Decimal("700.00"))],
        paid_at=recent(3),
    )
    make_payment(
        account,
        source=Payment.Source.BILLING,
        channel=Payment.Channel.POST,
        agent_name="Почта России",
        amount=Decimal("250.00"),
        paid_at=recent(10),
    )
    make_payment(account, paid_at=recent(200))  # outside the default 3 months

    html = client_in.get(reverse("payments:account_history", args=[account.pk])).content.decode()

    assert html.count("<tr>") == 3  # the header and two payments
    assert "ТЭСК: 300,00\u00a0₽" in html
    assert "УК Жилсервис: 700,00\u00a0₽" in html
    assert "Почта России" in html
    assert "загружен из биллинга" in html
    assert "Картой в личном кабинете" in html


def test_a_five_digit_amount_is_grouped_like_every_other(
    client_in: Client, account: Account, energy: Supplier
) -> None:
    make_payment(
        account,
        amount=Decimal("18355.53"),
        splits=[(energy, Decimal("18355.53"))],
        paid_at=recent(1),
    )

    html = client_in.get(reverse("payments:account_history", args=[account.pk])).content.decode()

    assert "18\u00a0355,53" in html
    assert "ТЭСК: 18\u00a0355,53\u00a0₽" in html
    assert "18355,53" not in html


def test_the_period_filter_picks_dates(client_in: Client, account: Account) -> None:
    make_payment(account, paid_at=dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.UTC))
    make_payment(account, paid_at=dt.datetime(2025, 5, 10, 9, 0, tzinfo=dt.UTC))
    url = reverse("payments:account_history", args=[account.pk])

    html = client_in.get(
        url, {"range": "custom", "date_from": "2025-03-01", "date_to": "2025-03-31"}
    ).content.decode()
    bad = client_in.get(
        url, {"range": "custom", "date_from": "2025-04-01", "date_to": "2025-03-01"}
    )

    assert "10.03.2025" in html
    assert "10.05.2025" not in html
    assert "Конец периода раньше его начала." in bad.content.decode()


def test_all_accounts_history_covers_only_the_users_accounts(
    client_in: Client, account: Account, customer: User
) -> None:
    second = make_account()
    make_link(customer, second)
    make_payment(account, paid_at=recent(1), amount=Decimal("111.00"))
    make_payment(second, paid_at=recent(2), amount=Decimal("222.00"))
    make_payment(make_account(), paid_at=recent(1), amount=Decimal("333.00"))

    html = client_in.get(reverse("payments:history")).content.decode()

    assert "111,00" in html
    assert "222,00" in html
    assert "333,00" not in html


def test_a_portal_payment_shows_at_once_and_an_unstarted_one_does_not(
    client_in: Client, account: Account
) -> None:
    make_payment(account, status=Payment.Status.PENDING, paid_at=None, amount=Decimal("444.00"))
    make_payment(account, status=Payment.Status.CREATED, paid_at=None, amount=Decimal("555.00"))

    html = client_in.get(reverse("payments:account_history", args=[account.pk])).content.decode()

    assert "444,00" in html
    assert "Ожидает оплаты" in html
    assert "555,00" not in html


def test_history_queries_do_not_grow_with_payments(client_in: Client, account: Account) -> None:
    url = reverse("payments:account_history", args=[account.pk])
    make_payment(account, paid_at=recent(1))
    client_in.get(url)  # the session's first request writes once
    with CaptureQueriesContext(connection) as one:
        client_in.get(url)
    for days in range(2, 12):
        make_payment(account, paid_at=recent(days))
    with CaptureQueriesContext(connection) as many:
        client_in.get(url)

    assert len(many) == len(one)
    assert len(one) <= 10


def test_payments_grouped_by_recipient_add_up_per_supplier(
    client_in: Client, account: Account, energy: Supplier, housing: Supplier
) -> None:
    """Seed 003, «Оплаты»: the payments under each supplier's № ЛС."""
    make_payment(
        account,
        splits=[(energy, Decimal("300.00")), (housing, Decimal("700.00"))],
        paid_at=recent(3),
    )
    make_payment(account, splits=[(energy, Decimal("1000.00"))], paid_at=recent(5))
    url = reverse("payments:account_history", args=[account.pk])
    response = client_in.get(url, {"group": "supplier"})
    groups = {g.supplier.short_name: g for g in response.context["supplier_groups"]}
    assert groups["ТЭСК"].total == Decimal("1300.00")
    assert [amount for _, amount in groups["ТЭСК"].rows] == [Decimal("300.00"), Decimal("1000.00")]
    assert groups["УК Жилсервис"].total == Decimal("700.00")
    html = response.content.decode()
    assert "№ ЛС" in html
    assert "1\u00a0300,00\u00a0₽" in html


def test_the_payment_document_prints_the_recipients_and_the_total(
    client_in: Client, customer: User, account: Account, energy: Supplier, housing: Supplier
) -> None:
    """Seed 000: «просмотреть и при необходимости распечатать платежный документ»."""
    paid = make_payment(
        account,
        splits=[(energy, Decimal("300.00")), (housing, Decimal("700.00"))],
        paid_at=recent(3),
    )
    history = client_in.get(reverse("payments:account_history", args=[account.pk]))
    document_url = reverse("payments:document", args=[paid.pk])
    assert document_url in history.content.decode()

    html = client_in.get(document_url).content.decode()
    assert "Информационная квитанция об оплате" in html
    assert energy.inn in html
    assert housing.inn in html
    assert 'data-testid="document-total">1\u00a0000,00' in html

    api = client_in.get(f"/api/v1/accounts/{account.pk}/payments").json()
    assert [p["document_url"] for p in api] == [document_url]

    pending = make_payment(account, status=Payment.Status.PENDING, paid_at=None)
    assert client_in.get(reverse("payments:document", args=[pending.pk])).status_code == 404
    stranger_account = make_account()
    foreign = make_payment(stranger_account)
    assert client_in.get(reverse("payments:document", args=[foreign.pk])).status_code == 404
