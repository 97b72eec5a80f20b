"""Account pages are never stale and never someone else's.

The «Ваши счета» list, the overview, the charges table and the bill cards are built from the
rows the next request reads, or from markup kept under the versions of the accounts they show;
these tests change those rows the ways the portal and an import do (moving the account's version
in the same breath, as every writer does: billing.versions) and check that the next page shows
the change.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kabinet.billing import versions
from kabinet.billing.models import Account, AccountLink, Bill, BillSection, Charge, Premises
from kabinet.identity.models import User
from tests.factories import (
    make_account,
    make_bill,
    make_charge,
    make_customer,
    make_premises,
    make_supplier,
)

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)


@pytest.fixture
def account(customer: User) -> Account:
    account = make_account(
        make_supplier(short_name="ТЭСК"),
        premises=make_premises(address="г. Тамбов, ул. Мичуринская, д. 5, кв. 17"),
    )
    AccountLink.objects.create(user=customer, account=account, relation="owner", alias="Дом")
    make_bill(account, period=OCT, due_date=dt.date(2026, 11, 25))
    make_charge(account, period=OCT, total=Decimal("500.00"))
    return account


def page(client: Client, name: str, account: Account) -> str:
    response = client.get(reverse(name, args=[account.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_accounts_list_follows_the_links_and_their_accounts(
    client_in: Client, customer: User, account: Account
) -> None:
    assert "Дом" in page(client_in, "accounts:charges", account)

    # Through the portal: the alias is edited.
    response = client_in.post(
        reverse("accounts:edit", args=[account.pk]),
        {"alias": "Дача", "group": "", "relation": "owner", "note": ""},
    )
    assert response.status_code == 302
    html = page(client_in, "accounts:charges", account)
    assert ">Дача<" in html
    assert ">Дом<" not in html

    # Through an import: the premises' address changes under the same link.
    assert account.premises_id is not None
    Premises.objects.filter(pk=account.premises_id).update(address="г. Тамбов, ул. Новая, д. 1")
    versions.bump(account_ids=[account.pk])
    html = page(client_in, "documents:bill_history", account)
    assert "ул. Новая" in html
    assert "ул. Мичуринская" not in html

    # A new link appears, an unlinked one goes.
    other = make_account(make_supplier(short_name="Водоканал"))
    AccountLink.objects.create(user=customer, account=other, relation="tenant", alias="Гараж")
    assert "Гараж" in page(client_in, "accounts:overview", account)
    AccountLink.objects.filter(account=other).delete()
    assert "Гараж" not in page(client_in, "accounts:overview", account)


def test_users_of_one_account_each_see_their_own_alias_and_note(
    client: Client, customer: User, account: Account
) -> None:
    AccountLink.objects.filter(user=customer).update(note="Заметка первого")
    second = make_customer()
    AccountLink.objects.create(
        user=second, account=account, relation="tenant", alias="Квартира мамы", note="Своя"
    )
    client.force_login(customer)
    first_page = page(client, "accounts:overview", account)
    client.force_login(second)
    second_page = page(client, "accounts:overview", account)
    assert "Заметка первого" in first_page
    assert "Квартира мамы" not in first_page
    assert "Квартира мамы" in second_page
    assert "Своя" in second_page
    assert "Заметка первого" not in second_page
    assert "Дом" not in second_page


def test_the_overview_follows_the_bill_and_the_day(
    client_in: Client, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: dt.date(2026, 11, 20))
    html = page(client_in, "accounts:overview", account)
    assert "Задолженность: 500,00\u00a0₽" in html
    assert "осталось 5 дн." in html

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: dt.date(2026, 11, 24))
    assert "остался 1 день" in page(client_in, "accounts:overview", account)

    bill = Bill.objects.get(account=account)
    Bill.objects.filter(pk=bill.pk).update(total=Decimal("-15.00"))
    BillSection.objects.filter(bill=bill).update(total=Decimal("-15.00"))
    versions.bump(account_ids=[account.pk])
    html = page(client_in, "accounts:overview", account)
    assert "Переплата: 15,00\u00a0₽" in html
    assert "Задолженность" not in html


def test_the_charges_table_follows_its_rows_and_periods(
    client_in: Client, account: Account
) -> None:
    html = page(client_in, "accounts:charges", account)
    assert "Итого к оплате: 500,00\u00a0₽" in html
    Charge.objects.filter(account=account).update(total=Decimal("612.40"))
    versions.bump(account_ids=[account.pk])
    html = page(client_in, "accounts:charges", account)
    assert "Итого к оплате: 612,40\u00a0₽" in html
    assert "500,00" not in html.split('data-testid="charges-total"')[1]

    make_charge(account, period=dt.date(2026, 11, 1), total=Decimal("7.00"))
    html = page(client_in, "accounts:charges", account)
    assert "Ноябрь 2026" in html
    assert "Итого к оплате: 7,00\u00a0₽" in html


def test_bill_cards_follow_their_bill_and_keep_a_fresh_csrf_token(
    client_in: Client, account: Account
) -> None:
    html = page(client_in, "documents:bill_history", account)
    assert "Оплатить до" in html
    assert "25.11.2026" in html
    Bill.objects.filter(account=account).update(due_date=dt.date(2026, 11, 28))
    versions.bump(account_ids=[account.pk])
    html = page(client_in, "documents:bill_history", account)
    assert "28.11.2026" in html
    assert "25.11.2026" not in html

    # The e-mail form's token is this response's own: a cached page would hand every visitor
    # one stale token, and the next response gets another.
    def token(html: str) -> str:
        return html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

    form = token(html)
    assert token(page(client_in, "documents:bill_history", account)) != form
