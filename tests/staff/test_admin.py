"""The back office: every model has an admin that lists, searches and opens without N+1 queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kabinet.billing.models import (
    Account,
    Bill,
    Branch,
    Charge,
    ImportBatch,
    Premises,
    Service,
    Supplier,
    Tariff,
)
from kabinet.core.models import AuditEntry
from kabinet.messaging.models import OutgoingMessage
from kabinet.metering.models import Meter, Reading
from kabinet.payments.models import Payment
from kabinet.staff.models import StaffMember
from tests.factories import (
    make_account,
    make_bill,
    make_branch,
    make_charge,
    make_import_batch,
    make_meter,
    make_payment,
    make_premises,
    make_reading,
    make_service,
    make_supplier,
    make_tariff,
)
from tests.staff.builders import make_staff

pytestmark = pytest.mark.django_db

# Shown only as inlines of their parent (BillSection on Bill, PaymentSplit on Payment).
INLINE_ONLY = {"billsection", "paymentsplit", "refundsplit"}
# The rate limiter's counters: hashed keys that mean nothing to staff.
INTERNAL = {"ratecounter"}
BACK_OFFICE_APPS = (
    "core",
    "identity",
    "messaging",
    "billing",
    "metering",
    "payments",
    "support",
    "staff",
)


@dataclass
class World:
    """One saved row of every model the back office shows."""

    objects: dict[type[models.Model], models.Model]


@pytest.fixture
def world() -> World:
    supplier = make_supplier()
    branch = make_branch(supplier)
    service = make_service()
    account = make_account(supplier, owner_name="Петров Пётр Петрович")
    meter = make_meter(account, service)
    batch = make_import_batch(
        errors=[{"file": "a.csv", "line": 2, "column": "number", "message": "пусто"}],
        error_count=1,
    )
    audit = AuditEntry.objects.create(action="account.link", actor_label="admin", data={"a": 1})
    objects: dict[type[models.Model], models.Model] = {
        Supplier: supplier,
        Branch: branch,
        Premises: account.premises,  # type: ignore[dict-item]
        Account: account,
        Service: service,
        Tariff: make_tariff(supplier, service),
        Charge: make_charge(account, service),
        Bill: make_bill(account),
        ImportBatch: batch,
        Meter: meter,
        Reading: make_reading(meter),
        Payment: make_payment(account),
        AuditEntry: audit,
        OutgoingMessage: OutgoingMessage.objects.create(
            channel="sms", to="+79161234567", template="test", body="Код 123456"
        ),
    }
    return World(objects)


def admin_url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def changelist_rows(client: Client, model: type[models.Model], **params: Any) -> list[Any]:
    response = client.get(admin_url(model, "changelist"), params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


MODELS = [
    Supplier,
    Branch,
    Premises,
    Account,
    Service,
    Tariff,
    Charge,
    Bill,
    ImportBatch,
    Meter,
    Reading,
    Payment,
    AuditEntry,
    OutgoingMessage,
]


def test_it_registers_every_model_of_the_back_office_apps() -> None:
    missing = [
        model._meta.label
        for app_label in BACK_OFFICE_APPS
        for model in apps.get_app_config(app_label).get_models()
        if model._meta.model_name not in INLINE_ONLY | INTERNAL
        and not admin.site.is_registered(model)
    ]
    assert missing == []


def test_it_titles_the_admin_as_the_back_office(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:index"))
    assert "Кабинет — бэк-офис" in response.text


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_it_lists_every_model(
    admin_client: Client, world: World, model: type[models.Model]
) -> None:
    assert world.objects[model] in changelist_rows(admin_client, model)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_it_searches_every_model(
    admin_client: Client, world: World, model: type[models.Model]
) -> None:
    # Each search field is a join or a lookup that must exist; a wrong one is a 500 here.
    changelist_rows(admin_client, model, q="Петров 1")
    assert changelist_rows(admin_client, model, q="нет-такого-ничего") == []


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_it_opens_the_change_page_of_every_model(
    admin_client: Client, world: World, model: type[models.Model]
) -> None:
    response = admin_client.get(admin_url(model, "change", world.objects[model].pk))
    assert response.status_code == 200


# Written by the system (log, audit) or owned by billing (a staff edit would be undone by the
# next import): staff look at them and never add or change them.
VIEW_ONLY = {ImportBatch, AuditEntry, Charge, Bill, OutgoingMessage}


@pytest.mark.parametrize(
    "model", [m for m in MODELS if m not in VIEW_ONLY], ids=lambda m: m.__name__
)
def test_it_opens_the_add_page_of_every_editable_model(
    admin_client: Client, model: type[models.Model]
) -> None:
    assert admin_client.get(admin_url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", sorted(VIEW_ONLY, key=str), ids=lambda m: m.__name__)
def test_it_refuses_to_add_or_change_view_only_models(
    admin_client: Client, world: World, model: type[models.Model]
) -> None:
    obj = world.objects[model]
    assert admin_client.get(admin_url(model, "add")).status_code == 403
    page = admin_client.get(admin_url(model, "change", obj.pk))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_client.post(admin_url(model, "change", obj.pk), {}).status_code == 403


class TestAccountSearch:
    @pytest.fixture
    def accounts(self) -> tuple[Account, Account]:
        supplier = make_supplier()
        wanted = make_account(
            supplier,
            number="100500",
            number_display="0100500",
            owner_name="Скворцова Анна Павловна",
            premises=make_premises(address="г. Тамбов, ул. Мичуринская, д. 7, кв. 12"),
        )
        other = make_account(
            supplier,
            number="200600",
            owner_name="Воронин Олег Ильич",
            premises=make_premises(address="г. Тамбов, ул. Советская, д. 1, кв. 3"),
        )
        return wanted, other

    @pytest.mark.parametrize(
        "term",
        ["100500", "Скворцова", "Мичуринская, д. 7", "л/с № 0100-500"],
        ids=["number", "surname", "address", "number-as-printed"],
    )
    def test_it_finds_an_account_and_only_that_one(
        self, admin_client: Client, accounts: tuple[Account, Account], term: str
    ) -> None:
        wanted, _ = accounts
        assert changelist_rows(admin_client, Account, q=term) == [wanted]

    @pytest.mark.parametrize(
        ("model", "row_of"),
        [
            (Charge, lambda account: make_charge(account)),
            (Bill, lambda account: make_bill(account)),
            (Meter, lambda account: make_meter(account)),
            (Reading, lambda account: make_reading(make_meter(account))),
            (Payment, lambda account: make_payment(account)),
        ],
        ids=lambda v: v.__name__ if isinstance(v, type) else "",
    )
    @pytest.mark.parametrize("term", ["100500", "Скворцова", "Мичуринская"])
    def test_it_finds_rows_by_their_account(
        self,
        admin_client: Client,
        accounts: tuple[Account, Account],
        model: type[models.Model],
        row_of: Callable[[Account], models.Model],
        term: str,
    ) -> None:
        wanted, other = accounts
        row = row_of(wanted)
        row_of(other)
        assert changelist_rows(admin_client, model, q=term) == [row]

    def test_it_links_an_account_to_its_records(
        self, admin_client: Client, accounts: tuple[Account, Account]
    ) -> None:
        wanted, other = accounts
        reading = make_reading(make_meter(wanted))
        make_reading(make_meter(other))
        response = admin_client.get(admin_url(Account, "change", wanted.pk))
        readings_url = f"{admin_url(Reading, 'changelist')}?meter__account__id__exact={wanted.pk}"
        assert readings_url in response.text
        assert changelist_rows(admin_client, Reading, meter__account__id__exact=wanted.pk) == [
            reading
        ]
        for model in (Charge, Bill, Meter, Payment):
            assert (
                f"{admin_url(model, 'changelist')}?account__id__exact={wanted.pk}" in response.text
            )
            changelist_rows(admin_client, model, account__id__exact=wanted.pk)


class TestImportBatchAdmin:
    def test_it_cannot_add_an_import_batch(self, admin_client: Client) -> None:
        assert admin_client.get(admin_url(ImportBatch, "add")).status_code == 403

    def test_it_shows_an_import_batch_without_a_save_button(self, admin_client: Client) -> None:
        batch = make_import_batch()
        response = admin_client.get(admin_url(ImportBatch, "change", batch.pk))
        assert response.status_code == 200
        assert 'name="_save"' not in response.text

    def test_it_rejects_a_change_posted_anyway(self, admin_client: Client) -> None:
        batch = make_import_batch()
        response = admin_client.post(
            admin_url(ImportBatch, "change", batch.pk), {"status": "failed", "rows": 0}
        )
        assert response.status_code == 403
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.LOADED

    def test_it_cannot_delete_an_import_batch(self, admin_client: Client) -> None:
        batch = make_import_batch()
        assert admin_client.get(admin_url(ImportBatch, "delete", batch.pk)).status_code == 403

    def test_it_shows_errors_as_an_escaped_table(self, admin_client: Client) -> None:
        batch = make_import_batch(
            status=ImportBatch.Status.REJECTED,
            error_count=5,
            errors=[
                {
                    "file": "<b>accounts</b>.csv",
                    "line": 17,
                    "column": "owner_name",
                    "message": "<script>alert(1)</script>",
                },
                "bare <i>string</i>",
            ],
        )
        response = admin_client.get(admin_url(ImportBatch, "change", batch.pk))
        html = response.text
        assert "<td>17</td><td>owner_name</td>" in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert(1)" not in html
        assert "&lt;b&gt;accounts&lt;/b&gt;.csv" in html
        assert "bare &lt;i&gt;string&lt;/i&gt;" in html
        assert "Показаны первые 2 из 5." in html


def test_it_cannot_add_or_change_audit_entries(admin_client: Client) -> None:
    entry = AuditEntry.objects.create(action="account.link")
    assert admin_client.get(admin_url(AuditEntry, "add")).status_code == 403
    response = admin_client.post(admin_url(AuditEntry, "change", entry.pk), {"action": "x"})
    assert response.status_code == 403


def test_it_shows_money_with_two_places_and_readings_with_the_meters_digits(
    admin_client: Client,
) -> None:
    account = make_account()
    make_charge(account, charged=Decimal("1234.5"), total=Decimal("1234.5"))
    make_reading(make_meter(account, fraction_digits=3), value_1=Decimal("1234.5"))
    make_reading(make_meter(account, fraction_digits=0), value_1=Decimal("987"))
    charges = admin_client.get(admin_url(Charge, "changelist")).text
    readings = admin_client.get(admin_url(Reading, "changelist")).text
    assert "1\xa0234,50" in charges
    assert "1234,500" in readings
    assert '<td class="field-values_display">987</td>' in readings


def test_it_lists_meters_whose_verification_is_due(admin_client: Client) -> None:
    account = make_account()
    today = timezone.localdate()
    overdue = make_meter(account, verification_due=today - dt.timedelta(days=1))
    soon = make_meter(account, verification_due=today + dt.timedelta(days=20))
    make_meter(account, verification_due=today + dt.timedelta(days=400))
    make_meter(account, verification_due=today - dt.timedelta(days=1), removed_on=today)
    assert changelist_rows(admin_client, Meter, verification="overdue") == [overdue]
    assert changelist_rows(admin_client, Meter, verification="30") == [soon]


def test_it_filters_by_period(admin_client: Client) -> None:
    account = make_account()
    service = make_service()
    september = make_charge(account, service, period=dt.date(2026, 9, 1))
    make_charge(account, service, period=dt.date(2026, 8, 1))
    assert changelist_rows(admin_client, Charge, period="2026-09") == [september]
    assert changelist_rows(admin_client, Charge, period="не период") == []


def changelist_queries(client: Client, model: type[models.Model], **params: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(admin_url(model, "changelist"), params).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("model", "make_row"),
    [
        (Account, lambda: make_account()),
        (Charge, lambda: make_charge(make_account())),
        (Reading, lambda: make_reading(make_meter(make_account()))),
        (Meter, lambda: make_meter(make_account())),
        (Bill, lambda: make_bill(make_account())),
        (Payment, lambda: make_payment(make_account())),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
def test_it_lists_with_a_constant_number_of_queries(
    admin_client: Client, model: type[models.Model], make_row: Callable[[], models.Model]
) -> None:
    for _ in range(3):
        make_row()
    changelist_queries(admin_client, model)  # the first request warms per-process caches
    with_3 = changelist_queries(admin_client, model)
    for _ in range(27):
        make_row()
    with_30 = changelist_queries(admin_client, model)
    assert with_30 == with_3
    # Facet counts would add a COUNT per filter choice over the whole table.
    assert changelist_queries(admin_client, model, _facets="True") == with_30


def test_superusers_manage_staff_members_in_the_admin(admin_client: Client) -> None:
    member = StaffMember.objects.get(user=make_staff(make_supplier()))
    assert member in changelist_rows(admin_client, StaffMember)
    assert admin_client.get(admin_url(StaffMember, "change", member.pk)).status_code == 200
    assert admin_client.get(admin_url(StaffMember, "add")).status_code == 200
