"""Bill totals are exact on both databases: every demo bill is found by the total it prints.

The importer adds a bill's section totals up in SQL. SQLite keeps a decimal column with
fractions as a binary float, so a plain SUM gave 39799.840000000004 where the bill prints
39 799,84, and linking an account by its bill total missed about one bill in fourteen.
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.billing.exchange.importer import import_files
from kabinet.billing.models import Bill, BillSection, Supplier
from kabinet.demo.reference import ensure_reference_data
from kabinet.demo.simulation import DemoUtility
from tests.billing.exchange_files import write_csv
from tests.factories import make_account, make_bill, make_supplier

pytestmark = pytest.mark.django_db


def test_every_demo_bill_is_found_by_the_total_it_prints(tmp_path: Path) -> None:
    ensure_reference_data()
    files = DemoUtility(60, 12, 7, today=dt.date(2026, 11, 20)).write(tmp_path)
    batches = import_files(files.paths, started_by="test")
    assert all(b.status == b.Status.LOADED for b in batches), [b.errors for b in batches]

    printed: dict[int, Decimal] = {}
    for bill_id, total in BillSection.objects.values_list("bill_id", "total"):
        printed[bill_id] = printed.get(bill_id, Decimal("0.00")) + total
    assert len(printed) > 500
    # The comparison linking makes: the database's own equality with the amount typed.
    missed = [
        (bill_id, total)
        for bill_id, total in printed.items()
        if not Bill.objects.filter(pk=bill_id, total__in=[total, -total]).exists()
    ]
    assert missed == []


def test_the_upgrade_rounds_the_totals_summed_before() -> None:
    bill = make_bill(make_account(make_supplier()), period=dt.date(2026, 10, 1))
    with connection.cursor() as cursor:
        # What a float sum left behind on SQLite: 0.1 + 0.2 is 0.30000000000000004 there.
        cursor.execute("UPDATE billing_bill SET total = 0.1 + 0.2 WHERE id = %s", [bill.pk])
    if connection.vendor == "sqlite":
        assert not Bill.objects.filter(pk=bill.pk, total=Decimal("0.30")).exists()
    migration = importlib.import_module("kabinet.billing.migrations.0006_round_bill_totals")
    migration.round_amounts(django_apps, None)
    assert Bill.objects.filter(pk=bill.pk, total=Decimal("0.30")).exists()


AMOUNT = st.decimals(
    min_value=Decimal("-99999.99"),
    max_value=Decimal("99999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
_numbers = itertools.count(1)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sections=st.lists(st.tuples(AMOUNT, AMOUNT), min_size=1, max_size=4))
def test_a_loaded_bill_is_exactly_the_sum_of_its_sections(
    tmp_path: Path, sections: list[tuple[Decimal, Decimal]]
) -> None:
    """Whatever kopecks the sections carry, the bill's «Начислено» and «Итого» are their exact
    sums, as the database itself compares them (what linking by bill total relies on)."""
    recipients = [
        Supplier.objects.get_or_create(code=f"r{i}", defaults={"short_name": f"R{i}"})[0]
        for i in range(len(sections))
    ]
    number = str(next(_numbers))
    account = make_account(recipients[0], number=number)
    rows = [
        {
            "supplier": recipients[0].code,
            "account": number,
            "period": "2026-10",
            "recipient": recipient.code,
            "charged": str(charged),
            # What the section owed before the month, so that its amounts make its total.
            "opening_balance": str(total - charged),
            "total": str(total),
        }
        for recipient, (charged, total) in zip(recipients, sections, strict=True)
    ]
    [batch] = import_files([write_csv(tmp_path, f"bills_{number}.csv", rows)], started_by="test")
    assert batch.status == batch.Status.LOADED, batch.errors

    charged = sum((c for c, _t in sections), Decimal("0.00"))
    total = sum((t for _c, t in sections), Decimal("0.00"))
    assert Bill.objects.filter(account=account, charged=charged, total=total).exists()
