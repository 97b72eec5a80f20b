"""Portal payments not yet in the newest bill: the balance pages show them and offer only the rest.

The sample bill (September) asks 684,70 ₽ for electricity (ТЭСК) and 1 400,00 ₽ + 12,34 ₽ of
penalties for maintenance (УК Жилсервис): 2 097,04 ₽ in all. Payments go through the sandbox
bank as a customer makes them; billing's answers come as import files.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kabinet.billing.exchange.importer import import_files
from kabinet.billing.models import Account, Bill
from kabinet.billing.pending import bill_cutoff, pending_for
from kabinet.payments import services
from kabinet.payments.models import Payment
from kabinet.payments.selectors import payment_lines
from tests.billing.exchange_files import write_csv
from tests.billing.test_versions import etag_of, not_modified
from tests.payments.conftest import form, keys, url

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


def pay(client: Client, account: Account, **amounts: str) -> Payment:
    """Pay through the page and the sandbox bank with a card that succeeds. ``amounts`` by
    service name; the lines not named are paid in full."""
    line = keys(account)
    data = form(account, **{f"amount-{line[name]}": value for name, value in amounts.items()})
    bank = client.post(url(account), data)["Location"]
    client.post(bank, {"card_number": "4111 1111 1111 1111", "action": "pay"})
    payment = Payment.objects.get(idempotency_key=data["idempotency_key"])
    assert payment.status == Payment.Status.SUCCEEDED
    return payment


def offered(client: Client, account: Account) -> dict[str, str]:
    """What the payment page pre-fills on each line, by service name."""
    html = client.get(url(account)).content.decode()
    result = {}
    for title, key in keys(account).items():
        marker = f'name="amount-{key}" value="'
        start = html.index(marker) + len(marker)
        result[title] = html[start : html.index('"', start)]
    return result


def day_month(payment: Payment) -> str:
    assert payment.paid_at is not None
    return f"{timezone.localtime(payment.paid_at):%d.%m}"


def test_a_paid_bill_is_shown_paid_awaiting_billing_everywhere_and_nothing_more_is_offered(
    client_in: Client, account: Account
) -> None:
    payment = pay(client_in, account)
    waiting = f"Оплачено 2{NBSP}097,04{NBSP}₽ {day_month(payment)}, ожидает учёта"

    overview = client_in.get(reverse("accounts:overview", args=[account.pk])).content.decode()
    assert waiting in overview
    assert "Задолженности нет" in overview
    listing = client_in.get(reverse("accounts:list")).content.decode()
    assert waiting in listing
    assert "Долг" not in listing
    bills = client_in.get(reverse("documents:bill_history", args=[account.pk])).content.decode()
    assert waiting in bills
    assert f'data-testid="remaining">0,00{NBSP}₽' in bills
    assert offered(client_in, account) == {
        "Электроснабжение": "0,00",
        "Содержание жилого помещения": "0,00",
        "Пени": "0,00",
    }
    page = client_in.get(url(account)).content.decode()
    assert waiting in page
    assert f"К оплате по квитанции: 684,70{NBSP}₽" in page


def test_two_part_payments_take_off_what_each_paid_per_line(
    client_in: Client, account: Account
) -> None:
    first = pay(
        client_in,
        account,
        **{"Электроснабжение": "0", "Содержание жилого помещения": "1000", "Пени": "0"},
    )
    second = pay(
        client_in,
        account,
        **{"Электроснабжение": "84,70", "Содержание жилого помещения": "0", "Пени": "0"},
    )

    assert offered(client_in, account) == {
        "Электроснабжение": "600,00",
        "Содержание жилого помещения": "400,00",
        "Пени": "12,34",
    }
    overview = client_in.get(reverse("accounts:overview", args=[account.pk])).content.decode()
    assert f"Оплачено 1{NBSP}000,00{NBSP}₽ {day_month(first)}, ожидает учёта" in overview
    assert f"Оплачено 84,70{NBSP}₽ {day_month(second)}, ожидает учёта" in overview
    assert f"Задолженность: 1{NBSP}012,34{NBSP}₽" in overview


def test_paying_more_than_the_bill_shows_an_overpayment_and_offers_zero(
    client_in: Client, account: Account
) -> None:
    pay(client_in, account, **{"Электроснабжение": "1684,70"})

    assert offered(client_in, account)["Электроснабжение"] == "0,00"
    overview = client_in.get(reverse("accounts:overview", args=[account.pk])).content.decode()
    assert f"Переплата: 1{NBSP}000,00{NBSP}₽" in overview
    listing = client_in.get(reverse("accounts:list")).content.decode()
    assert f"Переплата 1{NBSP}000,00" in listing


def test_a_payment_that_did_not_go_through_reduces_nothing(
    client_in: Client, account: Account
) -> None:
    bank = client_in.post(url(account), form(account))["Location"]
    client_in.post(bank, {"card_number": "4000000000000002", "action": "pay"})  # declined
    client_in.post(url(account), form(account))  # started, never paid: «pending» at the bank

    assert sorted(Payment.objects.values_list("status", flat=True)) == ["canceled", "pending"]
    assert offered(client_in, account)["Содержание жилого помещения"] == "1400,00"
    overview = client_in.get(reverse("accounts:overview", args=[account.pk])).content.decode()
    assert "ожидает учёта" not in overview
    assert f"Задолженность: 2{NBSP}097,04{NBSP}₽" in overview


def test_a_partial_refund_gives_back_part_of_what_was_paid_and_a_full_one_all(
    client_in: Client, account: Account
) -> None:
    payment = pay(client_in, account, **{"Пени": "0"})  # 684,70 + 1 400,00 = 2 084,70

    services.refund_payment(payment_id=payment.pk, amount=Decimal("208.47"))

    # A tenth of each line goes back: 68,47 of electricity, 140,00 of maintenance.
    assert offered(client_in, account) == {
        "Электроснабжение": "68,47",
        "Содержание жилого помещения": "140,00",
        "Пени": "12,34",
    }
    overview = client_in.get(reverse("accounts:overview", args=[account.pk])).content.decode()
    assert f"Оплачено 1{NBSP}876,23{NBSP}₽" in overview

    services.refund_payment(payment_id=payment.pk)

    assert offered(client_in, account)["Содержание жилого помещения"] == "1400,00"
    overview = client_in.get(reverse("accounts:overview", args=[account.pk])).content.decode()
    assert "Оплачено" not in overview
    assert f"Задолженность: 2{NBSP}097,04{NBSP}₽" in overview


# --- Billing's next load ------------------------------------------------------------------------


def bill_row(account: Account, **columns: Any) -> dict[str, Any]:
    row = {
        "supplier": account.supplier.code,
        "account": account.number,
        "period": f"{timezone.localdate():%Y-%m}",
        "total": "12.34",
    }
    row.update(columns)
    return row


def payment_row(account: Account, payment: Payment, **columns: Any) -> dict[str, Any]:
    """Billing's record of a portal payment, as it comes back after the `payments` export."""
    assert payment.paid_at is not None
    row = {
        "supplier": account.supplier.code,
        "account": account.number,
        "payment_id": f"B-{payment.pk}",
        "portal_id": payment.pk,
        "paid_at": timezone.localtime(payment.paid_at).isoformat(timespec="seconds"),
        "amount": f"{payment.amount:.2f}",
        "channel": "other",
        "agent": "Личный кабинет",
    }
    row.update(columns)
    return row


def load(folder: Path, name: str, rows: list[dict[str, Any]]) -> Any:
    [batch] = import_files([write_csv(folder, name, rows)], started_by="test")
    return batch


def paid_days_ago(payment: Payment, days: int) -> None:
    Payment.objects.filter(pk=payment.pk).update(paid_at=timezone.now() - dt.timedelta(days=days))
    payment.refresh_from_db()


def test_a_bill_formed_after_the_payment_has_it_and_the_payment_stops_counting(
    client_in: Client, account: Account, tmp_path: Path
) -> None:
    payment = pay(client_in, account)
    paid_days_ago(payment, 3)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    batch = load(tmp_path, "bills.csv", [bill_row(account, issued_on=f"{yesterday:%Y-%m-%d}")])
    assert batch.status == batch.Status.LOADED, batch.errors

    overview = client_in.get(reverse("accounts:overview", args=[account.pk])).content.decode()
    assert "Оплачено" not in overview
    assert f"Задолженность: 12,34{NBSP}₽" in overview  # the new bill, counted once
    assert payment_lines(account).due == Decimal("12.34")


def test_a_bill_formed_before_the_payment_and_loaded_after_it_keeps_counting_it(
    client_in: Client, account: Account, tmp_path: Path
) -> None:
    """Last month's bill, loaded a few days late, has not seen this month's payment: showing
    its full debt would ask the customer to pay twice."""
    payment = pay(client_in, account, **{"Пени": "0"})
    paid_days_ago(payment, 2)
    formed = timezone.localdate() - dt.timedelta(days=5)
    batch = load(
        tmp_path, "bills.csv", [bill_row(account, total="2097.04", issued_on=f"{formed:%Y-%m-%d}")]
    )
    assert batch.status == batch.Status.LOADED, batch.errors

    overview = client_in.get(reverse("accounts:overview", args=[account.pk])).content.decode()
    assert f"Оплачено 2{NBSP}084,70{NBSP}₽" in overview
    assert f"Задолженность: 12,34{NBSP}₽" in overview


def test_without_an_issue_date_a_bill_for_the_payments_month_covers_it(account: Account) -> None:
    zone = "Europe/Moscow"
    loaded = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
    november = bill_cutoff(period=dt.date(2026, 11, 1), issued_on=None, loaded_at=loaded, zone=zone)
    # A payment on 30.11 is in November's bill; one on 1.12 (Moscow) is not.
    assert november == dt.datetime(2026, 11, 30, 21, 0, tzinfo=dt.UTC)
    issued = bill_cutoff(
        period=dt.date(2026, 11, 1), issued_on=dt.date(2026, 12, 5), loaded_at=loaded, zone=zone
    )
    # Loaded before it was issued (billing sets the date ahead): the load is what counts.
    assert issued == loaded


def test_billing_naming_the_payment_by_portal_id_keeps_one_payment_counted_once(
    client_in: Client, account: Account, tmp_path: Path
) -> None:
    payment = pay(client_in, account)
    overview_path = reverse("accounts:overview", args=[account.pk])
    etag = etag_of(client_in, overview_path)

    batch = load(tmp_path, "payments.csv", [payment_row(account, payment)])

    assert batch.status == batch.Status.LOADED, batch.errors
    assert (batch.inserted, batch.updated) == (0, 1)
    assert list(Payment.objects.values_list("pk", flat=True)) == [payment.pk]
    payment.refresh_from_db()
    assert payment.accounted_at is not None
    assert payment.external_id == f"B-{payment.pk}"
    # The page the browser kept is stale: it now says billing has the payment.
    assert not not_modified(client_in, overview_path, etag)
    overview = client_in.get(overview_path).content.decode()
    assert "ожидает учёта" not in overview
    assert "учтено биллингом" in overview
    assert "Задолженности нет" in overview  # still counted, and only once
    assert offered(client_in, account)["Электроснабжение"] == "0,00"
    history = client_in.get(reverse("payments:account_history", args=[account.pk]))
    assert history.content.decode().count("2\u00a0097,04") == 1

    again = load(tmp_path, "payments.csv", [payment_row(account, payment)])
    assert (again.status, again.updated, again.unchanged) == (batch.Status.LOADED, 0, 1)
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        ({"portal_id": 999999}, "portal_id", "Платёж №999999 из личного кабинета"),
        ({"amount": "100.00"}, "amount", "а в файле — 100,00"),
    ],
)
def test_a_portal_id_that_does_not_match_rejects_the_file(
    client_in: Client,
    account: Account,
    tmp_path: Path,
    change: dict[str, Any],
    column: str,
    message: str,
) -> None:
    payment = pay(client_in, account)

    batch = load(tmp_path, "payments.csv", [payment_row(account, payment, **change)])

    assert batch.status == batch.Status.REJECTED
    assert [(e["column"], message in e["message"]) for e in batch.errors] == [(column, True)]
    payment.refresh_from_db()
    assert payment.accounted_at is None


def test_a_portal_id_of_a_failed_payment_or_of_another_account_is_refused(
    client_in: Client, account: Account, tmp_path: Path
) -> None:
    bank = client_in.post(url(account), form(account))["Location"]
    client_in.post(bank, {"card_number": "4000000000000002", "action": "pay"})
    declined = Payment.objects.get()
    declined.paid_at = timezone.now()
    paid = pay(client_in, account)
    other = Account.objects.create(supplier=account.supplier, number="990001")

    batch = load(
        tmp_path,
        "payments.csv",
        [
            payment_row(account, declined),
            payment_row(other, paid),
        ],
    )

    assert batch.status == batch.Status.REJECTED
    assert [(e["line"], e["column"]) for e in batch.errors] == [(2, "portal_id"), (3, "portal_id")]
    assert "не прошёл" in batch.errors[0]["message"]
    assert "по этому счёту не найден" in batch.errors[1]["message"]
    assert Payment.objects.count() == 2
    assert not Payment.objects.filter(accounted_at__isnull=False).exists()


def test_pending_is_counted_for_the_account_it_was_paid_for_only(
    client_in: Client, account: Account
) -> None:
    pay(client_in, account)
    other = Account.objects.create(supplier=account.supplier, number="990002")
    Bill.objects.create(account=other, period=dt.date(2026, 9, 1), total=Decimal("50.00"))

    assert pending_for(other.pk, None).total == Decimal("0.00")
    assert payment_lines(account).pending.total == Decimal("2097.04")
