"""Each rule raises one notification per customer, account and event, and a second run none."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.billing.models import Account, Supplier
from kabinet.identity.models import User
from kabinet.notifications import rules, services
from kabinet.notifications.models import Kind, Notification
from kabinet.payments.models import Payment
from tests.factories import (
    make_account,
    make_bill,
    make_customer,
    make_link,
    make_meter,
    make_payment,
    make_reading,
)
from tests.notifications.conftest import NOON

pytestmark = pytest.mark.django_db


def run(rule: str, now: dt.datetime = NOON) -> int:
    return services.raise_notifications(rules.RULES[rule](now))


def kinds(user: User) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", "key"))


def test_a_new_bill_is_announced_once(account: Account, reader: User) -> None:
    make_bill(account, period=dt.date(2026, 10, 1), loaded_at=NOON - dt.timedelta(hours=2))

    assert run("new_bills") == 1
    assert run("new_bills") == 0

    notification = Notification.objects.get(user=reader)
    assert (notification.kind, notification.key) == (Kind.NEW_BILL, "bill:2026-10")
    assert notification.account_id == account.pk
    assert notification.payload["total"] == "500.00"


def test_an_old_bill_is_no_news(account: Account, reader: User) -> None:
    make_bill(account, loaded_at=NOON - dt.timedelta(days=10))

    assert run("new_bills") == 0


def test_every_customer_of_a_shared_account_hears_of_it(account: Account, reader: User) -> None:
    spouse = make_customer()
    make_link(spouse, account)
    make_bill(account, loaded_at=NOON)

    assert run("new_bills") == 2
    assert kinds(spouse) == kinds(reader) == [(Kind.NEW_BILL, "bill:2026-09")]


def test_a_debt_is_noted_before_the_due_date_and_again_after_it(
    account: Account, reader: User
) -> None:
    make_bill(account, period=dt.date(2026, 10, 1), due_date=dt.date(2026, 11, 20))

    assert run("debts") == 1  # 18th: two days before the 20th
    assert run("debts") == 0
    assert run("debts", NOON + dt.timedelta(days=3)) == 1  # the 21st: overdue

    assert kinds(reader) == [(Kind.DEBT, "debt:2026-10"), (Kind.DEBT_OVERDUE, "debt:2026-10")]
    overdue = Notification.objects.get(user=reader, kind=Kind.DEBT_OVERDUE)
    assert overdue.payload["amount"] == "500.00"


def test_a_paid_bill_raises_no_debt(account: Account, reader: User) -> None:
    make_bill(account, period=dt.date(2026, 10, 1), due_date=dt.date(2026, 11, 20))
    make_payment(account, amount=Decimal("500.00"), paid_at=NOON - dt.timedelta(days=1))

    assert run("debts") == 0


def test_a_debt_far_from_its_due_date_waits(account: Account) -> None:
    make_bill(account, period=dt.date(2026, 10, 1), due_date=dt.date(2026, 12, 20))

    assert run("debts") == 0


def test_the_readings_window_reminds_only_accounts_with_unread_meters(
    supplier: Supplier, account: Account, reader: User
) -> None:
    make_meter(account)
    read = make_account(supplier)
    neighbour = make_customer()
    make_link(neighbour, read)
    meter = make_meter(read)
    make_reading(meter, period=dt.date(2026, 11, 1), taken_on=dt.date(2026, 11, 16))

    assert run("readings_window") == 1
    assert run("readings_window") == 0

    assert kinds(reader) == [(Kind.READINGS_OPEN, "readings:2026-11")]
    assert kinds(neighbour) == []


def test_the_window_closing_soon_reminds_again(account: Account, reader: User) -> None:
    make_meter(account)
    run("readings_window")

    assert run("readings_window", NOON + dt.timedelta(days=5)) == 1  # the 23rd, window to the 25th

    assert kinds(reader) == [
        (Kind.READINGS_CLOSING, "readings:2026-11"),
        (Kind.READINGS_OPEN, "readings:2026-11"),
    ]


def test_no_reminder_while_the_window_is_closed(account: Account) -> None:
    make_meter(account)

    assert run("readings_window", NOON - dt.timedelta(days=10)) == 0


def test_a_meter_verification_is_announced_at_60_and_30_days_and_when_expired(
    account: Account, reader: User
) -> None:
    due = dt.date(2027, 1, 10)
    meter = make_meter(account, verification_due=due)

    assert run("verifications") == 1  # 53 days before
    assert run("verifications") == 0
    assert run("verifications", NOON + dt.timedelta(days=25)) == 1  # 28 days before
    assert run("verifications", NOON + dt.timedelta(days=60)) == 1  # past it

    assert kinds(reader) == [
        (Kind.VERIFICATION_DUE, f"meter:{meter.pk}:{due}:30"),
        (Kind.VERIFICATION_DUE, f"meter:{meter.pk}:{due}:60"),
        (Kind.VERIFICATION_EXPIRED, f"meter:{meter.pk}:{due}"),
    ]


def test_payment_results_go_to_the_customer_who_paid(account: Account, reader: User) -> None:
    other = make_customer()
    make_link(other, account)
    paid = make_payment(account, user=reader)
    failed = make_payment(account, user=reader, status=Payment.Status.CANCELED)
    Payment.objects.filter(pk__in=[paid.pk, failed.pk]).update(created_at=NOON)

    assert run("payments") == 2
    assert run("payments") == 0

    assert kinds(reader) == [
        (Kind.PAYMENT_FAILED, f"payment:{failed.pk}"),
        (Kind.PAYMENT_SUCCEEDED, f"payment:{paid.pk}"),
    ]
    assert kinds(other) == []


def test_raising_moves_the_account_version_so_the_pages_show_the_mark(
    account: Account,
) -> None:
    make_bill(account, loaded_at=NOON)
    before = Account.objects.get(pk=account.pk).data_version

    run("new_bills")
    after = Account.objects.get(pk=account.pk).data_version
    run("new_bills")

    assert after > before
    assert Account.objects.get(pk=account.pk).data_version == after
