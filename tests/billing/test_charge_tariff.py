"""A customer never reads a billing system's tariff code («gas»): the tariff's name or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from kabinet.billing.models import Account
from kabinet.identity.models import User
from tests.factories import make_account, make_charge, make_link, make_service, make_tariff

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(customer: User) -> Account:
    account = make_account()
    make_link(customer, account)
    return account


def test_the_charge_page_names_the_tariff_instead_of_its_code(
    client: Client, customer: User, account: Account
) -> None:
    gas = make_service(name="Газоснабжение", code="gas")
    make_tariff(
        account.supplier,
        gas,
        code="gas",
        name="Население, газовые плиты",
        valid_from=dt.date(2026, 1, 1),
    )
    charge = make_charge(account, gas, period=dt.date(2026, 11, 1), tariff_code="gas")
    client.force_login(customer)
    html = client.get(f"/accounts/{account.pk}/charges/{charge.pk}/").content.decode()
    assert "Население, газовые плиты" in html
    assert "Код тарифа" not in html


def test_an_undescribed_tariff_code_is_not_shown_anywhere(
    client: Client, customer: User, account: Account
) -> None:
    gas = make_service(name="Газоснабжение", code="gas")
    charge = make_charge(account, gas, period=dt.date(2026, 11, 1), tariff_code="gas-x7")
    client.force_login(customer)
    for path in [
        f"/accounts/{account.pk}/charges/{charge.pk}/",
        f"/accounts/{account.pk}/details/",
    ]:
        assert "gas-x7" not in client.get(path).content.decode()
