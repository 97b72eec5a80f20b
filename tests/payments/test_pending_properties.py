"""What the payment page offers adds up: per line and in total, the bill's amount less what portal
payments not yet in the bill paid for it (refunds given back), never below zero.

Checked over generated bills, payments and refunds, against the database on both engines.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.billing.models import Account
from kabinet.billing.selectors import account_overview, balances
from kabinet.payments.models import Payment
from kabinet.payments.pending import net_lines
from kabinet.payments.selectors import line_key, payment_lines
from tests.factories import (
    make_account,
    make_bill,
    make_charge,
    make_customer,
    make_link,
    make_service,
    make_supplier,
)

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")
PERIOD = dt.date(2026, 9, 1)


def money(low: str, high: str) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=2, allow_nan=False)


@st.composite
def paid_lines(draw: st.DrawFn, lines: int) -> list[Decimal]:
    amounts = draw(st.lists(money("0", "3000"), min_size=lines, max_size=lines))
    if sum(amounts) == 0:
        amounts[draw(st.integers(0, lines - 1))] = draw(money("0.01", "3000"))
    return amounts


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[Decimal], list[tuple[list[Decimal], Decimal]]]:
    """The bill's amount due per line, and payments: what each paid per line and its refund."""
    count = draw(st.integers(1, 4))
    dues = draw(st.lists(money("-500", "5000"), min_size=count, max_size=count))
    payments = []
    for _ in range(draw(st.integers(0, 3))):
        amounts = draw(paid_lines(count))
        total = sum(amounts, Decimal("0.00"))
        refund = draw(st.one_of(st.just(Decimal("0.00")), money("0.01", str(total))))
        payments.append((amounts, refund))
    return dues, payments


def build(
    dues: list[Decimal], payments: list[tuple[list[Decimal], Decimal]]
) -> tuple[Account, list[str]]:
    supplier = make_supplier()
    account = make_account(supplier)
    services = [make_service() for _ in dues]
    for service, due in zip(services, dues, strict=True):
        make_charge(account, service, period=PERIOD, charged=due, total=due)
    make_bill(account, period=PERIOD, charged=sum(dues), total=sum(dues))
    keys = [line_key(supplier.pk, service.pk) for service in services]
    for amounts, refund in payments:
        total = sum(amounts, Decimal("0.00"))
        Payment.objects.create(
            account=account,
            source=Payment.Source.PORTAL,
            channel=Payment.Channel.PORTAL_CARD,
            status=Payment.Status.REFUNDED if refund == total else Payment.Status.SUCCEEDED,
            amount=total,
            refunded_amount=refund,
            paid_at=timezone.now() - dt.timedelta(hours=1),
            lines=[
                {"key": key, "amount": f"{amount:.2f}"}
                for key, amount in zip(keys, amounts, strict=True)
                if amount
            ],
        )
    return account, keys


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_what_is_offered_is_the_due_less_what_was_paid_per_line_and_in_total(
    scenario: tuple[list[Decimal], list[tuple[list[Decimal], Decimal]]],
) -> None:
    dues, payments = scenario
    account, keys = build(dues, payments)

    lines = payment_lines(account).by_key()

    # What each line kept of the payments: its part of each, less its share of the refund
    # (within a kopeck of the exact proportion); together exactly what was not refunded.
    kept = [Decimal("0.00")] * len(keys)
    for amounts, refund in payments:
        total = sum(amounts, Decimal("0.00"))
        for position, amount in enumerate(amounts):
            kept[position] += amount - amount * refund / total
    net_total = sum((sum(amounts) - refund for amounts, refund in payments), Decimal("0.00"))
    assert sum((lines[key].pending for key in keys), Decimal("0.00")) == net_total
    offered = Decimal("0.00")
    for position, key in enumerate(keys):
        line = lines[key]
        assert line.billed == max(dues[position], Decimal("0.00"))
        assert abs(line.pending - kept[position]) < CENT * len(payments) + CENT
        assert line.due == max(Decimal("0.00"), line.billed - line.pending)
        assert line.due.as_tuple().exponent == -2
        offered += line.due
    assert payment_lines(account).due == offered

    # The overview and the accounts list: the bill less everything not refunded, once.
    user = make_customer()
    link = make_link(user, account)
    overview = account_overview(link)
    assert overview.remaining == sum(dues) - net_total
    assert balances([account.pk])[account.pk].remaining == sum(dues) - net_total


@settings(max_examples=300, deadline=None)
@given(amounts=st.lists(money("0", "100000"), min_size=1, max_size=6), data=st.data())
def test_a_refund_is_shared_between_lines_exactly_and_none_goes_negative(
    amounts: list[Decimal], data: st.DataObject
) -> None:
    total = sum(amounts, Decimal("0.00"))
    refund = data.draw(money("0", str(total)))
    lines = [(f"k{i}", amount) for i, amount in enumerate(amounts)]

    kept = net_lines(lines, refund)

    assert sum(kept.values(), Decimal("0.00")) == total - refund
    for key, amount in lines:
        assert Decimal("0.00") <= kept[key] <= amount
        assert kept[key].as_tuple().exponent == -2
        if total:
            assert abs(kept[key] - (amount - amount * refund / total)) < CENT
