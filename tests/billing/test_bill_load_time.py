"""A bill remembers when billing's load brought it or changed its amounts: a portal payment made
before that moment may be in its «paid» (billing/pending.py), one made after cannot."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from kabinet.billing.exchange.importer import import_files
from kabinet.billing.models import Account, Bill
from tests.billing.exchange_files import write_csv
from tests.factories import make_account, make_supplier

pytestmark = pytest.mark.django_db


@pytest.fixture
def account() -> Account:
    return make_account(make_supplier(code="tesk"), number="1001")


def load(folder: Path, **columns: Any) -> None:
    row = {"supplier": "tesk", "account": "1001", "period": "2026-10", "total": "500.00"}
    row.update(columns)
    [batch] = import_files([write_csv(folder, "bills.csv", [row])], started_by="test")
    assert batch.status == batch.Status.LOADED, batch.errors


def pretend_loaded_long_ago(account: Account) -> dt.datetime:
    old = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
    Bill.objects.filter(account=account).update(loaded_at=old)
    return old


def test_a_new_bill_is_loaded_now(account: Account, tmp_path: Path) -> None:
    before = dt.datetime.now(dt.UTC)
    load(tmp_path)
    assert Bill.objects.get(account=account).loaded_at >= before - dt.timedelta(seconds=1)


def test_loading_the_same_bill_again_keeps_its_load_time(account: Account, tmp_path: Path) -> None:
    load(tmp_path)
    old = pretend_loaded_long_ago(account)
    load(tmp_path)
    # Nothing changed: the bill cannot have counted a payment made since.
    assert Bill.objects.get(account=account).loaded_at == old


def test_a_new_due_date_alone_keeps_it_and_new_amounts_move_it(
    account: Account, tmp_path: Path
) -> None:
    load(tmp_path)
    old = pretend_loaded_long_ago(account)
    load(tmp_path, due_date="2026-11-25", number="B-7")
    assert Bill.objects.get(account=account).loaded_at == old

    load(tmp_path, charged="500.00", paid="1545.13", total="-1045.13")
    bill = Bill.objects.get(account=account)
    assert bill.loaded_at > old
    assert str(bill.total) == "-1045.13"
