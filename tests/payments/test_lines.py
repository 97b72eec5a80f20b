"""What an account can pay: a line per recipient and service of its newest bill."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.billing.models import Account, Supplier
from kabinet.payments.selectors import payment_lines
from tests.factories import make_account, make_bill, make_charge

pytestmark = pytest.mark.django_db


def test_it_offers_a_line_per_recipient_and_service_with_penalties_apart(
    account: Account, energy: Supplier, housing: Supplier
) -> None:
    lines = payment_lines(account)

    assert [
        (g.supplier.short_name, [(ln.title, ln.due, ln.is_penalty) for ln in g.lines])
        for g in lines.suppliers
    ] == [
        ("ТЭСК", [("Электроснабжение", Decimal("684.70"), False)]),
        (
            "УК Жилсервис",
            [
                ("Содержание жилого помещения", Decimal("1400.00"), False),
                ("Пени", Decimal("12.34"), True),
            ],
        ),
    ]
    assert lines.due == Decimal("2097.04")


def test_it_recommends_the_average_monthly_charge_for_an_advance(
    account: Account, energy: Supplier
) -> None:
    line = next(ln for ln in payment_lines(account).lines if ln.supplier == energy)
    make_charge(
        account,
        line.service,
        period=dt.date(2026, 8, 1),
        supplier=energy,
        charged=Decimal("315.30"),
    )

    lines = payment_lines(account).lines
    recommended = next(ln for ln in lines if ln.supplier == energy).recommended

    assert recommended == Decimal("500.00")  # (684.70 + 315.30) / 2, rounded up to a rouble


def test_it_never_asks_to_pay_an_overpaid_line(account: Account, energy: Supplier) -> None:
    account.charges.filter(supplier=energy).update(total=Decimal("-40.00"))

    line = next(ln for ln in payment_lines(account).lines if ln.supplier == energy)

    assert line.due == Decimal("0.00")


def test_it_hides_suppliers_not_approved_for_online_payment(
    account: Account, housing: Supplier
) -> None:
    Supplier.objects.filter(pk=housing.pk).update(approved_for_payment=False)

    assert [g.supplier.short_name for g in payment_lines(account).suppliers] == ["ТЭСК"]


def test_it_pays_only_the_newest_bill(account: Account, energy: Supplier) -> None:
    make_bill(account, period=dt.date(2026, 10, 1), sections=[(energy, Decimal("99.00"))])

    lines = payment_lines(account)

    # October has no charge lines: its bill section is the one line.
    assert [(ln.supplier, ln.service, ln.due) for ln in lines.lines] == [
        (energy, None, Decimal("99.00"))
    ]


def test_an_account_without_bills_can_still_pay_an_advance() -> None:
    account = make_account()

    lines = payment_lines(account).lines

    assert [(ln.supplier, ln.due) for ln in lines] == [(account.supplier, Decimal("0.00"))]
