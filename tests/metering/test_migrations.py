"""The migration that adds the one-open-submission index closes older duplicates first."""

from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from kabinet.metering.models import OPEN_SUBMISSION, Reading
from tests.factories import make_account, make_meter, make_reading, make_supplier

pytestmark = pytest.mark.django_db

migration = importlib.import_module("kabinet.metering.migrations.0003_reading_one_open_submission")


def test_older_open_submissions_of_a_meter_and_period_are_closed_before_the_index() -> None:
    constraint = next(c for c in Reading._meta.constraints if c.name == OPEN_SUBMISSION)
    schema_editor = connection.schema_editor()
    with connection.cursor() as cursor:  # DDL is transactional here: the test rolls it back
        cursor.execute(str(constraint.remove_sql(Reading, schema_editor)))
    account = make_account(make_supplier())
    meter, other = make_meter(account), make_meter(account)
    now = timezone.now()
    oldest = make_reading(meter, submitted_at=now - dt.timedelta(days=2))
    older = make_reading(
        meter, source=Reading.Source.PHOTO, submitted_at=now - dt.timedelta(days=1)
    )
    newest = make_reading(meter, submitted_at=now)
    next_month = make_reading(meter, period=dt.date(2026, 11, 1), submitted_at=now)
    alone = make_reading(other, submitted_at=now - dt.timedelta(days=3))
    answered = make_reading(other, status=Reading.Status.ACCEPTED, submitted_at=now)

    migration.close_replaced_duplicates(apps, SimpleNamespace(connection=connection))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The rows' deferred foreign-key checks must run before an index can be built.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(str(constraint.create_sql(Reading, schema_editor)))

    statuses = dict(Reading.objects.values_list("pk", "status"))
    assert statuses == {
        oldest.pk: Reading.Status.REJECTED,
        older.pk: Reading.Status.REJECTED,
        newest.pk: Reading.Status.RECEIVED,
        next_month.pk: Reading.Status.RECEIVED,
        alone.pk: Reading.Status.RECEIVED,
        answered.pk: Reading.Status.ACCEPTED,
    }
    assert Reading.objects.get(pk=oldest.pk).reject_reason.startswith("Заменено показанием")
