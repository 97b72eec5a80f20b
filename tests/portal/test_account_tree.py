"""One URL tree per account: every tab of the account shell is under /accounts/<id>/, and the
addresses the bills and requests had before answer 301 to the new ones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from kabinet.billing.models import Account
from kabinet.identity.models import User
from tests.factories import (
    file_appeal,
    make_account,
    make_bill,
    make_customer,
    make_link,
    make_supplier,
)

pytestmark = pytest.mark.django_db

TABS = (
    "accounts:overview",
    "accounts:charges",
    "accounts:details",
    "readings:submit",
    "documents:bill_history",
    "payments:pay",
    "payments:account_history",
    "support:account_requests",
    "support:account_appeals",
    "support:documents",
)


@pytest.fixture
def account(customer: User) -> Account:
    account = make_account(make_supplier(short_name="ТЭСК"))
    make_link(customer, account)
    return account


@pytest.mark.parametrize("name", TABS)
def test_every_tab_of_an_account_is_in_its_tree_and_in_its_shell(
    client_in: Client, account: Account, name: str
) -> None:
    path = reverse(name, args=[account.pk])
    assert path.startswith(f"/accounts/{account.pk}/")
    response = client_in.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    # The shell's tabs lead to every page of the tree, whichever app the page comes from.
    for tab in ("accounts:overview", "documents:bill_history", "support:account_appeals"):
        assert f'href="{reverse(tab, args=[account.pk])}"' in html


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/documents/accounts/{id}/bills/?range=12", "/accounts/{id}/bills/?range=12"),
        ("/documents/accounts/{id}/bills/{bill}.pdf", "/accounts/{id}/bills/{bill}.pdf"),
        ("/support/accounts/{id}/requests/", "/accounts/{id}/requests/"),
        ("/support/accounts/{id}/requests/new/", "/accounts/{id}/requests/new/"),
        ("/support/accounts/{id}/documents/", "/accounts/{id}/documents/"),
    ],
)
def test_old_addresses_move_permanently(
    client_in: Client, account: Account, old: str, new: str
) -> None:
    bill = make_bill(account, period=dt.date(2026, 10, 1))
    response = client_in.get(old.format(id=account.pk, bill=bill.pk))
    assert response.status_code == 301
    assert response["Location"] == new.format(id=account.pk, bill=bill.pk)


def test_the_appeals_tab_lists_the_appeals_about_this_account_only(
    client_in: Client, customer: User, account: Account
) -> None:
    other = make_account(account.supplier)
    make_link(customer, other)
    about_this = file_appeal(customer, account.supplier, account=account, text="Про этот счёт")
    about_other = file_appeal(customer, account.supplier, account=other, text="Про другой")
    html = client_in.get(reverse("support:account_appeals", args=[account.pk])).content.decode()
    assert f">{about_this.number}<" in html
    assert f">{about_other.number}<" not in html


def test_the_appeals_tab_of_someone_elses_account_is_404(client: Client, account: Account) -> None:
    client.force_login(make_customer())
    response = client.get(reverse("support:account_appeals", args=[account.pk]))
    assert response.status_code == 404
