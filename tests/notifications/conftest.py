from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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


@pytest.fixture
def deliver(django_capture_on_commit_callbacks: Any) -> Callable[..., int]:
    """Dispatch and send what is due at ``now``, running the outbox job the commit queues."""
    from kabinet.notifications import services

    def run(now: dt.datetime = NOON) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            services.dispatch_pending(now=now)
            return services.send_due_deliveries(now=now)

    return run
