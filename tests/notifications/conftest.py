from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kabinet.billing.models import Account, Supplier
from kabinet.identity.models import User
from tests.factories import make_account, make_email_customer, make_link, make_supplier

# A Wednesday in the middle of a readings window (15th-25th), at noon in Moscow: no quiet hours.
NOON = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def supplier() -> Supplier:
    return make_supplier(readings_first_day=15, readings_last_day=25, time_zone="Europe/Moscow")


@pytest.fixture
def reader() -> User:
    """A customer with a confirmed e-mail and no phone."""
    return make_email_customer()


@pytest.fixture
def account(supplier: Supplier, reader: User) -> Account:
    account = make_account(supplier)
    make_link(reader, account)
    return account


def fields(**kwargs: Any) -> dict[str, Any]:
    return kwargs
