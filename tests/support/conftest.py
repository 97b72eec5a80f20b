"""Fixtures for the support tests: a supplier, a customer with a linked account, a stranger and a
staff member; the builders are in tests/factories.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from kabinet.billing.models import Account, AccountLink, Supplier
from kabinet.identity.models import User
from tests.factories import make_account, make_customer, make_staff, make_supplier
from tests.factories import make_link as link


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


@pytest.fixture
def supplier(db: None) -> Supplier:
    return make_supplier(short_name="ТЭСК", time_zone="Europe/Moscow")


@pytest.fixture
def customer(db: None) -> User:
    return make_customer()


@pytest.fixture
def account(supplier: Supplier) -> Account:
    return make_account(supplier)


@pytest.fixture
def customer_link(customer: User, account: Account) -> AccountLink:
    return link(customer, account)


@pytest.fixture
def client_in(client: Client, customer: User) -> Client:
    client.force_login(customer)
    return client


@pytest.fixture
def stranger(db: None) -> User:
    return make_customer(last_name="Чужой")


@pytest.fixture
def staff(db: None) -> User:
    return make_staff()
