"""Every demo account links by each bill total it prints, on SQLite and PostgreSQL alike.

A customer who adds an account with the control question «сумма квитанции» types the total
printed on one of the last bills. The portal compares it with what the importer summed in SQL; a
sum off by a fraction of a kopeck (SQLite's binary floats) refuses the customer with «неверные
данные», and nothing tells them why.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache

from kabinet.billing.exchange.importer import import_files
from kabinet.billing.models import Account, AccountLink, Bill, BillSection
from kabinet.billing.services import BILL_TOTAL_MONTHS, Answer, LinkError, Question, link_account
from kabinet.core.models import RateCounter
from kabinet.core.money import ZERO, format_rubles
from kabinet.core.periods import add_months, period_of
from kabinet.demo.reference import MAIN_SUPPLIERS, ensure_reference_data
from kabinet.demo.simulation import DemoUtility
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


def printed_total(total: Decimal) -> str:
    """What the bill prints and the customer types: «К оплате» or, overpaid, «Переплата»."""
    return format_rubles(abs(total), symbol=False)


def test_every_demo_account_links_by_each_of_its_bill_totals(tmp_path: Path) -> None:
    ensure_reference_data()
    files = DemoUtility(45, 8, 5, today=TODAY).write(tmp_path)
    batches = import_files(files.paths, started_by="test")
    assert all(b.status == b.Status.LOADED for b in batches), [b.errors for b in batches]

    since = add_months(period_of(TODAY), -BILL_TOTAL_MONTHS)
    accounts = list(
        Account.objects.filter(status=Account.Status.OPEN, supplier__link_by_bill_total=True)
        .select_related("supplier", "branch")
        .order_by("pk")
    )
    # The total each bill prints: the sum of its sections, added up here in Decimal.
    printed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for bill_id, total in BillSection.objects.filter(bill__period__gte=since).values_list(
        "bill_id", "total"
    ):
        printed[bill_id] += total
    bills: dict[int, list[Bill]] = defaultdict(list)
    sections: dict[int, int] = defaultdict(int)
    for bill in Bill.objects.filter(period__gte=since, account__in=accounts):
        bills[bill.account_id].append(bill)
    for bill_id in BillSection.objects.filter(bill__period__gte=since).values_list(
        "bill_id", flat=True
    ):
        sections[bill_id] += 1

    # The demo covers every kind of account a customer links: each supplier, accounts kept
    # per branch, agents' bills with several recipients.
    assert {a.supplier.code for a in accounts} == set(MAIN_SUPPLIERS)
    assert any(a.branch_id for a in accounts)
    every_bill = [bill for found in bills.values() for bill in found]
    assert any(sections[b.pk] > 1 for b in every_bill)
    assert any(printed[b.pk] > 0 for b in every_bill)

    refused = []
    tried = 0
    for account in accounts:
        customer = make_customer()
        for bill in bills[account.pk]:
            typed = printed_total(printed[bill.pk])
            try:
                link = link_account(
                    user=customer,
                    supplier=account.supplier,
                    branch=account.branch,
                    number=account.number_display or account.number,
                    relation=AccountLink.Relation.OWNER,
                    answer=Answer(question=Question.BILL_TOTAL, bill_total=typed),
                    today=TODAY,
                )
            except LinkError as error:
                refused.append((account.number, f"{bill.period:%m.%Y}", typed, error.code))
            else:
                link.delete()
            tried += 1
            # A fresh hour for the rate limits (they count in the database without Redis):
            # this is one honest try per bill, not an attack.
            RateCounter.objects.all().delete()
            cache.clear()
    assert tried > 150
    assert refused == []
