"""Account pages answer a browser's conditional GET with 304 until something they show changes.

Every writer moves the version of the accounts it changes (billing.versions) in its own
transaction; these tests make each write the way the portal, billing's import or the bank does
and check that the page the browser kept is no longer «not modified» and shows the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.billing import services, versions
from kabinet.billing.exchange.importer import import_files
from kabinet.billing.models import Account, AccountLink, Bill, Charge, Service, Supplier
from kabinet.identity.models import User
from kabinet.payments.models import Payment
from kabinet.payments.providers.base import ProviderStatus
from kabinet.payments.services import apply_provider_status
from kabinet.staff.services import update_supplier_settings
from kabinet.support import services as support
from tests.billing.exchange_files import write_csv
from tests.factories import (
    file_appeal,
    make_account,
    make_bill,
    make_charge,
    make_customer,
    make_payment,
    make_staff,
    make_supplier,
)

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
PAGES = ("accounts:overview", "accounts:charges", "documents:bill_history")


@pytest.fixture
def supplier() -> Supplier:
    return make_supplier(code="tesk", short_name="ТЭСК")


@pytest.fixture
def account(customer: User, supplier: Supplier) -> Account:
    account = make_account(supplier, number="1001")
    AccountLink.objects.create(user=customer, account=account, relation="owner", alias="Дом")
    make_bill(account, period=OCT, total=Decimal("-1.00"), due_date=dt.date(2026, 11, 25))
    make_charge(account, period=OCT, total=Decimal("-1.00"))
    return account


def url(name: str, account: Account) -> str:
    return reverse(name, args=[account.pk])


def pdf_url(account: Account) -> str:
    bill = Bill.objects.get(account=account)
    return reverse("documents:bill_pdf", args=[account.pk, bill.pk])


def etag_of(client: Client, path: str) -> str:
    if "csrftoken" not in client.cookies:
        client.get(path)  # a logged-in browser has the CSRF cookie its login page set
    response = client.get(path)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"
    return str(response["ETag"])


def not_modified(client: Client, path: str, etag: str) -> bool:
    response = client.get(path, headers={"if-none-match": etag})
    assert response.status_code in (200, 304), response.status_code
    return response.status_code == 304


@pytest.mark.parametrize("name", PAGES)
def test_a_page_the_browser_has_is_answered_304_without_rendering(
    client_in: Client, account: Account, name: str, django_assert_max_num_queries: Callable
) -> None:
    path = url(name, account)
    etag = etag_of(client_in, path)
    # Session, user and the versions: no page data is read and nothing is rendered.
    with django_assert_max_num_queries(3):
        response = client_in.get(path, headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_the_bill_pdf_is_revalidated_too(client_in: Client, account: Account) -> None:
    path = pdf_url(account)
    response = client_in.get(path)
    assert response["Content-Type"] == "application/pdf"
    etag = str(response["ETag"])
    assert not_modified(client_in, path, etag)
    Bill.objects.filter(account=account).update(total=Decimal("-2.00"))
    versions.bump(account_ids=[account.pk])
    assert not not_modified(client_in, path, etag)


def test_an_overpayment_that_changes_from_1_to_2_rubles_is_shown(
    client_in: Client, account: Account, supplier: Supplier, tmp_path: Path
) -> None:
    """The hash() of -1 and of -2 are equal in Python: a cache keyed by row hashes showed the
    old overpayment. Billing's next load changes the bill; the page says 2,00."""
    path = url("documents:bill_history", account)
    etag = etag_of(client_in, path)
    assert "Переплата" in client_in.get(path).content.decode()
    line = {"supplier": "tesk", "account": "1001", "period": "2026-10"}
    service = account.charges.get().service.code
    charges = write_csv(
        tmp_path,
        "charges.csv",
        [line | {"service": service, "opening_balance": "-2.00", "total": "-2.00"}],
    )
    bills = write_csv(tmp_path, "bills.csv", [line | {"total": "-2.00"}])
    batches = import_files([charges, bills], started_by="test")
    assert all(b.status == b.Status.LOADED for b in batches), [b.errors for b in batches]

    assert not not_modified(client_in, path, etag)
    html = client_in.get(path).content.decode()
    assert "2,00" in html.split("Переплата")[1][:80]
    assert "1,00" not in html.split("Переплата")[1][:80]


def test_an_import_moves_only_the_accounts_it_loads(
    account: Account, supplier: Supplier, tmp_path: Path
) -> None:
    untouched = make_account(supplier, number="1002")
    before = {a.pk: a.data_version for a in Account.objects.all()}
    charges = write_csv(
        tmp_path,
        "charges.csv",
        [
            {
                "supplier": "tesk",
                "account": "1001",
                "period": "2026-10",
                "service": "el",
                "total": "10.00",
            }
        ],
    )
    import_files([charges], started_by="test")
    after = {a.pk: a.data_version for a in Account.objects.all()}
    assert after[untouched.pk] == before[untouched.pk]


def test_linking_unlinking_and_link_settings_change_every_page_of_the_user(
    client_in: Client, customer: User, account: Account, supplier: Supplier
) -> None:
    etags = {name: etag_of(client_in, url(name, account)) for name in PAGES}

    link = AccountLink.objects.get(user=customer, account=account)
    services.update_link(link=link, alias="Дача")
    for name in PAGES:
        assert not not_modified(client_in, url(name, account), etags[name])
        assert ">Дача<" in client_in.get(url(name, account)).content.decode()
    etags = {name: etag_of(client_in, url(name, account)) for name in PAGES}

    # Another account joins the sidebar, then leaves it.
    other = make_account(supplier, number="2002", link_code="7777")
    second = AccountLink.objects.create(user=customer, account=other, relation="tenant")
    versions.bump(account_ids=[other.pk])
    for name in PAGES:
        assert not not_modified(client_in, url(name, account), etags[name])
    etags = {name: etag_of(client_in, url(name, account)) for name in PAGES}
    services.unlink_account(link=second)
    for name in PAGES:
        assert not not_modified(client_in, url(name, account), etags[name])


def test_a_linked_account_through_the_service_changes_the_sidebar(
    client_in: Client, customer: User, account: Account, supplier: Supplier
) -> None:
    path = url("accounts:overview", account)
    etag = etag_of(client_in, path)
    other = make_account(supplier, number="3003", link_code="4242")
    services.link_account(
        user=customer,
        supplier=supplier,
        branch=None,
        number="3003",
        relation="owner",
        answer=services.Answer(question="code", code="4242"),
        alias="Гараж",
    )
    assert AccountLink.objects.filter(user=customer, account=other).exists()
    assert not not_modified(client_in, path, etag)
    assert "Гараж" in client_in.get(path).content.decode()


def test_another_users_pages_and_etags_are_not_shared(
    client: Client, customer: User, account: Account
) -> None:
    second = make_customer()
    AccountLink.objects.create(user=second, account=account, relation="tenant", alias="Мамина")
    client.force_login(customer)
    etag = etag_of(client, url("accounts:overview", account))
    client.force_login(second)
    # Another user, another sidebar and name: the first user's validator does not match.
    assert not not_modified(client, url("accounts:overview", account), etag)
    # And a stranger with a copied validator gets 404, not 304.
    stranger = make_customer()
    client.force_login(stranger)
    response = client.get(url("accounts:overview", account), headers={"if-none-match": etag})
    assert response.status_code == 404


def test_a_page_with_a_message_waiting_is_sent_in_full(client_in: Client, account: Account) -> None:
    path = url("accounts:overview", account)
    etag = etag_of(client_in, path)
    # Saving the settings unchanged moves no version but leaves «Изменения сохранены.».
    response = client_in.post(
        url("accounts:edit", account),
        {"alias": "Дом", "group": "", "relation": "owner", "note": ""},
    )
    assert response.status_code == 302
    response = client_in.get(path, headers={"if-none-match": etag})
    assert response.status_code == 200
    assert "Изменения сохранены." in response.content.decode()
    assert not_modified(client_in, path, etag)


def test_a_staff_answer_and_reading_it_change_the_menu_badge_on_account_pages(
    client_in: Client,
    customer: User,
    account: Account,
    supplier: Supplier,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    path = url("accounts:overview", account)
    appeal = file_appeal(customer, supplier)
    etag = etag_of(client_in, path)
    with django_capture_on_commit_callbacks(execute=True):
        support.answer_appeal(appeal=appeal, staff=make_staff(supplier), text="Платёж зачислен.")
    assert not not_modified(client_in, path, etag)
    assert "Новые ответы" in client_in.get(path).content.decode()

    etag = etag_of(client_in, path)
    appeal.refresh_from_db()
    support.mark_appeal_read(appeal=appeal, user=customer)
    assert not not_modified(client_in, path, etag)
    assert "Новые ответы" not in client_in.get(path).content.decode()


def test_a_payment_the_bank_confirms_changes_the_pages(client_in: Client, account: Account) -> None:
    path = url("accounts:overview", account)
    etag = etag_of(client_in, path)
    payment = make_payment(
        account, status=Payment.Status.PENDING, provider="sandbox", provider_payment_id="sb-1"
    )
    apply_provider_status(
        payment_id=payment.pk,
        status=ProviderStatus(
            provider_id=payment.provider_payment_id,
            status="succeeded",
            amount=payment.amount,
        ),
        kind="notification",
    )
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert not not_modified(client_in, path, etag)


def data_version(account: Account) -> int:
    return Account.objects.get(pk=account.pk).data_version


def test_staff_edits_of_what_the_pages_print_move_the_versions(
    rf: RequestFactory, account: Account, supplier: Supplier
) -> None:
    """A supplier's name and requisites, a service's name, a premises' address: the pages and
    the bill PDF print them, so the admin's save moves the accounts that show them."""
    other = make_account(make_supplier(code="water"), number="9009")
    request = rf.post("/admin/")
    request.user = make_staff(None, is_superuser=True)

    before = data_version(account), data_version(other)
    supplier.short_name = "ТЭСК Плюс"
    admin.site.get_model_admin(Supplier).save_model(request, supplier, None, True)
    assert (data_version(account), data_version(other)) == (before[0] + 1, before[1])

    before = data_version(account), data_version(other)
    service = Service.objects.create(code="gas", name="Газ")
    admin.site.get_model_admin(Service).save_model(request, service, None, False)
    assert (data_version(account), data_version(other)) == (before[0] + 1, before[1] + 1)

    before = data_version(account), data_version(other)
    update_supplier_settings(
        staff=request.user, supplier=supplier, values={"website": "https://tesk.example"}
    )
    assert (data_version(account), data_version(other)) == (before[0] + 1, before[1])


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("accounts:overview", "billing_billsection"),
        ("accounts:charges", "billing_charge"),
    ],
)
def test_a_page_whose_markup_is_kept_reads_none_of_its_rows(
    client_in: Client, account: Account, name: str, table: str
) -> None:
    path = url(name, account)
    client_in.get(path)
    with CaptureQueriesContext(connection) as queries:
        again = client_in.get(path)
    assert again.status_code == 200
    assert not [q for q in queries if table in q["sql"]]
    # The account moves on: the rows are read again, and the page shows what they say now.
    Bill.objects.filter(account=account).update(total=Decimal("-2.00"))
    Charge.objects.filter(account=account).update(total=Decimal("-2.00"))
    versions.bump(account_ids=[account.pk])
    with CaptureQueriesContext(connection) as queries:
        html = client_in.get(path).content.decode()
    assert [q for q in queries if table in q["sql"]]
    assert "2,00" in html


@pytest.mark.parametrize("name", PAGES)
def test_a_kept_page_costs_the_session_the_user_the_versions_and_the_links(
    client_in: Client, account: Account, name: str, django_assert_num_queries: Callable
) -> None:
    """No deferred column of the shell's narrow read is fetched on its own."""
    path = url(name, account)
    client_in.get(path)
    with django_assert_num_queries(4):
        assert client_in.get(path).status_code == 200
