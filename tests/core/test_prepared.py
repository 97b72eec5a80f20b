"""Prepared queries give what the ORM queryset gives, for whichever values they are called with."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from kabinet.billing.models import AccountLink, Charge
from kabinet.core.models import AuditEntry
from kabinet.core.prepared import PreparedInsert, PreparedQuery, PreparedRows, PreparedUpsert
from kabinet.metering.models import OPEN_SUBMISSION, Meter, Reading
from tests.factories import (
    make_account,
    make_branch,
    make_charge,
    make_meter,
    make_reading,
    make_supplier,
)
from tests.identity.test_profile import make_customer

pytestmark = pytest.mark.django_db

LINKS = PreparedQuery(
    lambda user_id: AccountLink.objects.filter(user_id=user_id).order_by("alias"),
    {"user_id": int},
    ["account", "account__premises", "account__supplier", "account__branch"],
)
CHARGES = PreparedQuery(
    lambda account_id, period: Charge.objects.filter(account_id=account_id, period=period),
    {"account_id": int, "period": dt.date},
    ["supplier"],
)
PERIODS = PreparedRows(
    lambda account_id: (
        Charge.objects.filter(account_id=account_id)
        .order_by("-period")
        .values_list("period", "total")
    ),
    {"account_id": int},
)


def _fields(instance: object) -> dict[str, object]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}  # type: ignore[attr-defined]


def test_objects_equal_the_select_related_queryset_and_need_no_more_queries() -> None:
    supplier = make_supplier()
    branch = make_branch(supplier)
    user = make_customer()
    with_branch = make_account(supplier, branch=branch)
    without_branch = make_account(supplier)
    AccountLink.objects.create(user=user, account=with_branch, relation="owner", alias="a")
    AccountLink.objects.create(user=user, account=without_branch, relation="tenant", alias="b")

    expected = list(
        AccountLink.objects.filter(user=user)
        .select_related("account__premises", "account__supplier", "account__branch")
        .order_by("alias")
    )
    with CaptureQueriesContext(connection) as queries:
        links = LINKS(user_id=user.pk)
        seen = [
            (
                getattr(link.account.premises, "address", None),
                link.account.supplier.name,
                link.account.branch,
            )
            for link in links
        ]
    assert len(queries) == 1
    assert [_fields(link) for link in links] == [_fields(link) for link in expected]
    assert [_fields(link.account) for link in links] == [_fields(link.account) for link in expected]
    assert [_fields(link.account.supplier) for link in links] == [
        _fields(link.account.supplier) for link in expected
    ]
    assert seen[0][2] == branch
    assert seen[1][2] is None
    assert links[0].account.premises is not None
    assert links[0].account.premises.pk == expected[0].account.premises_id


def test_each_call_gets_its_own_values_not_the_first_ones() -> None:
    supplier = make_supplier()
    first, second = make_customer(), make_customer()
    AccountLink.objects.create(user=first, account=make_account(supplier), relation="owner")
    theirs = make_account(supplier)
    AccountLink.objects.create(user=second, account=theirs, relation="owner")

    assert len(LINKS(user_id=first.pk)) == 1
    assert [link.account_id for link in LINKS(user_id=second.pk)] == [theirs.pk]
    assert LINKS(user_id=second.pk + first.pk + 1000) == []


def test_date_placeholders_and_rows() -> None:
    account, other = make_account(), make_account()
    sept = make_charge(account, period=dt.date(2026, 9, 1), total=Decimal("10.50"))
    make_charge(account, period=dt.date(2026, 10, 1), total=Decimal("20.00"))
    make_charge(other, period=dt.date(2026, 9, 1))

    assert [c.pk for c in CHARGES(account_id=account.pk, period=dt.date(2026, 9, 1))] == [sept.pk]
    assert CHARGES(account_id=account.pk, period=dt.date(2026, 8, 1)) == []
    assert PERIODS(account_id=account.pk) == [
        (dt.date(2026, 10, 1), Decimal("20.00")),
        (dt.date(2026, 9, 1), Decimal("10.50")),
    ]
    with pytest.raises(TypeError):
        CHARGES(account_id=account.pk, period="2026-09-01")


def test_a_placeholder_the_query_does_not_use_is_refused() -> None:
    unused = PreparedRows(lambda account_id: Charge.objects.values_list("pk"), {"account_id": int})
    with pytest.raises(ValueError, match="account_id"):
        unused(account_id=1)


def test_versions_change_with_any_column_and_only_then() -> None:
    supplier = make_supplier()
    account = make_account(supplier)
    first = make_charge(account, period=dt.date(2026, 9, 1), total=Decimal("10.00"))
    make_charge(account, period=dt.date(2026, 9, 1), total=Decimal("20.00"))
    period = dt.date(2026, 9, 1)

    objects, version = CHARGES.versioned(account_id=account.pk, period=period)
    assert [_fields(o) for o in objects] == [
        _fields(o) for o in CHARGES(account_id=account.pk, period=period)
    ]
    each = CHARGES.versioned_each(account_id=account.pk, period=period)
    assert [_fields(o) for o, _v in each] == [_fields(o) for o in objects]
    assert CHARGES.versioned(account_id=account.pk, period=period)[1] == version

    # A column of the row, and a column of a joined row, each make a new version.
    Charge.objects.filter(pk=first.pk).update(total=Decimal("10.01"))
    after_total = CHARGES.versioned(account_id=account.pk, period=period)[1]
    assert after_total != version
    supplier.short_name = "Другое имя"
    supplier.save()
    assert CHARGES.versioned(account_id=account.pk, period=period)[1] != after_total

    # Per row: only the row that changed gets a new version.
    before = {o.pk: v for o, v in CHARGES.versioned_each(account_id=account.pk, period=period)}
    Charge.objects.filter(pk=first.pk).update(total=Decimal("10.02"))
    after = {o.pk: v for o, v in CHARGES.versioned_each(account_id=account.pk, period=period)}
    assert set(before) == set(after)
    assert {pk for pk in after if after[pk] != before[pk]} == {first.pk}


INSERT_AUDIT = PreparedInsert(AuditEntry)


def test_an_insert_adds_the_row_as_create_would() -> None:
    user = make_customer()
    entry = AuditEntry(
        actor=user, action="test.done", object_type="billing.Account", object_id="7",
        data={"values": ["1.50"], "photo": False},
    )  # fmt: skip
    INSERT_AUDIT(entry)
    INSERT_AUDIT(AuditEntry(action="test.done", data={}))

    rows = list(AuditEntry.objects.filter(action="test.done").order_by("id"))
    assert len(rows) == 2
    first = rows[0]
    assert (first.actor_id, first.object_type, first.object_id) == (user.pk, "billing.Account", "7")
    assert first.data == {"values": ["1.50"], "photo": False}
    assert first.at is not None  # auto_now_add filled in, as create() does
    assert rows[1].actor_id is None
    with pytest.raises(ValueError, match="already has"):
        INSERT_AUDIT(first)


def test_an_insert_expression_gets_the_fields_value_for_each_placeholder() -> None:
    insert = PreparedInsert(AuditEntry, expressions={"object_id": "%s || '-' || %s"})
    insert(AuditEntry(action="test.expression", object_id="7", data={}))
    assert AuditEntry.objects.get(action="test.expression").object_id == "7-7"
    with pytest.raises(ValueError, match="not among"):
        PreparedInsert(AuditEntry, ["action"], expressions={"data": "%s"})


def _reading(meter: Meter, value: str) -> Reading:
    return Reading(
        meter=meter, period=dt.date(2026, 10, 1), taken_on=dt.date(2026, 10, 20),
        source=Reading.Source.PORTAL, value_1=Decimal(value),
    )  # fmt: skip


UPSERT_READINGS = PreparedUpsert(
    Reading, constraint=OPEN_SUBMISSION, update=["value_1", "taken_on"], returning=["meter"]
)


def test_an_upsert_adds_new_rows_and_updates_the_colliding_ones_in_one_statement() -> None:
    account = make_account(make_supplier())
    first, second = make_meter(account), make_meter(account)
    photo = make_reading(first, source=Reading.Source.PHOTO, value_1=Decimal("5"))
    accepted = make_reading(second, status=Reading.Status.ACCEPTED, value_1=Decimal("9"))

    with CaptureQueriesContext(connection) as queries:
        rows = UPSERT_READINGS([_reading(first, "12.34567"), _reading(second, "20")])
    assert len(queries) == 1
    ids = {meter_id: pk for pk, meter_id in rows}
    assert set(ids) == {first.pk, second.pk}
    # The first meter's open submission is the colliding row: same id, its values replaced,
    # its source kept (not an update column), the value rounded as save() rounds it.
    assert ids[first.pk] == photo.pk
    photo.refresh_from_db()
    assert photo.source == Reading.Source.PHOTO
    assert photo.value_1 == Decimal("12.3457")
    # An accepted reading is outside the constraint's condition: a new row beside it.
    assert ids[second.pk] != accepted.pk
    accepted.refresh_from_db()
    assert accepted.value_1 == Decimal("9")
    assert Reading.objects.get(pk=ids[second.pk]).status == Reading.Status.RECEIVED
    assert Reading.objects.count() == 3


def test_writes_refuse_what_they_cannot_prepare() -> None:
    with pytest.raises(ValueError, match="non-key"):
        PreparedInsert(Charge, ["id"])
    with pytest.raises(ValueError, match="not a unique constraint"):
        PreparedUpsert(Reading, constraint="reading_period_month", update=["value_1"])
    account = make_account(make_supplier())
    reading = _reading(make_meter(account), "1")
    reading.value_1 = F("value_1") + 1
    with pytest.raises(TypeError, match="expressions"):
        UPSERT_READINGS([reading])
    with pytest.raises(ValueError, match="nothing"):
        UPSERT_READINGS([])
