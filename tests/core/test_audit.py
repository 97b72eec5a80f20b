"""The audit helper, the names of the acts, and the migration that renamed the old rows."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from kabinet.core.audit import Action, record
from kabinet.core.models import AuditEntry
from kabinet.identity.models import User

pytestmark = pytest.mark.django_db

names = importlib.import_module("kabinet.core.migrations.0004_audit_action_names")

APPS = {"identity", "billing", "metering", "payments", "support", "notifications", "staff", "api"}


@pytest.mark.parametrize("action", list(Action))
def test_every_action_is_named_app_dot_noun_and_past_participle(action: Action) -> None:
    app, _, rest = action.value.partition(".")
    assert app in APPS
    # A noun, then a past participle ("logged" may take its particle: "user_logged_in").
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*_[a-z]+(ed|wn)(_in|_out)?", rest), action.value


def test_the_renamed_names_are_the_current_ones() -> None:
    # Rows renamed by the migration must be found by today's code.
    targets = set(names.RENAMES.values()) | {new for _twin, new in names.STAFF_TWINS.values()}
    assert targets <= set(Action.values)


def test_a_row_names_its_object_by_model_label_and_a_staff_actor_by_username() -> None:
    staff = User.objects.create_user(username="operator", password="x", is_staff=True)
    entry = record(actor=staff, action=Action.STAFF_LOGGED_IN, obj=staff, supplier_id=7, ip="::1")
    entry.refresh_from_db()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "staff.member_logged_in",
        "identity.User",
        str(staff.pk),
    )
    assert (entry.actor, entry.actor_label, entry.supplier_id) == (staff, "operator", 7)
    assert entry.data == {"ip": "::1"}


def test_a_customer_is_not_named_in_the_label_so_the_log_forgets_them_with_their_user() -> None:
    customer = User.objects.create_user(username="u1", password="x", phone="+79160000001")
    record(actor=customer, action=Action.USER_LOGGED_IN, obj=customer)
    customer.delete()
    entry = AuditEntry.objects.get()
    assert (entry.actor_id, entry.actor_label) == (None, "")


def test_an_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError, match="logged_in"):
        record(actor=None, action="logged_in", obj=None)  # type: ignore[arg-type]
    assert not AuditEntry.objects.exists()


# --- the migration's functions on rows ------------------------------------------------------


def old_row(action: str, **fields: Any) -> AuditEntry:
    return AuditEntry.objects.create(action=action, **fields)


def test_the_migration_renames_old_actions_and_object_types() -> None:
    user = User.objects.create_user(username="u1", password="x")
    login = old_row("logged_in", actor=user, object_type="user", object_id=str(user.pk))
    profile = old_row("profile.password_changed", actor=user, object_type="identity.User")
    start = old_row("payment.start", object_type="payment", object_id="5")
    kept = old_row("billing.account_linked", object_type="billing.Account", object_id="3")

    names.forwards(apps, None)

    rows = {e.pk: (e.action, e.object_type) for e in AuditEntry.objects.all()}
    assert rows == {
        login.pk: ("identity.user_logged_in", "identity.User"),
        profile.pk: ("identity.password_changed", "identity.User"),
        start.pk: ("payments.payment_started", "payments.Payment"),
        kept.pk: ("billing.account_linked", "billing.Account"),
    }


def test_the_migration_merges_the_two_rows_of_an_old_staff_act_into_one() -> None:
    staff = User.objects.create_user(username="operator", password="x", is_staff=True)
    support_row = old_row(
        "support.request_status",
        actor=staff,
        object_type="servicerequest",
        object_id="12",
        data={"number": "З-2026-000012", "status": "in_progress", "notice": "email"},
    )
    staff_row = old_row(
        "staff.change_request_status",
        actor=staff,
        object_type="servicerequest",
        object_id="12",
        data={"supplier_id": 4, "status": {"before": "new", "after": "in_progress"}},
    )
    # An old close of a closed appeal wrote the staff row alone.
    lone = old_row(
        "staff.close_appeal",
        actor=staff,
        object_type="appeal",
        object_id="8",
        data={"supplier_id": 4},
    )

    names.forwards(apps, None)

    assert not AuditEntry.objects.filter(pk=support_row.pk).exists()
    merged = AuditEntry.objects.get(pk=staff_row.pk)
    assert (merged.action, merged.object_type, merged.supplier_id) == (
        "support.request_status_changed",
        "support.ServiceRequest",
        4,
    )
    assert merged.data["notice"] == "email"
    assert merged.data["status"] == {"before": "new", "after": "in_progress"}
    lone.refresh_from_db()
    assert (lone.action, lone.supplier_id) == ("support.appeal_closed", 4)


def test_the_migration_does_not_merge_a_staff_row_with_an_unrelated_act() -> None:
    staff = User.objects.create_user(username="operator", password="x", is_staff=True)
    earlier = old_row("support.appeal_answered", actor=staff, object_id="8")
    AuditEntry.objects.filter(pk=earlier.pk).update(at=timezone.now() - dt.timedelta(days=1))
    old_row("staff.answer_appeal", actor=staff, object_id="8", data={"supplier_id": 1})

    names.forwards(apps, None)

    assert AuditEntry.objects.filter(action="support.appeal_answered").count() == 2


def test_the_migration_reverses_to_the_old_names_with_the_supplier_in_the_data() -> None:
    staff = User.objects.create_user(username="operator", password="x", is_staff=True)
    answered = record(
        actor=staff, action=Action.APPEAL_ANSWERED, obj=staff, supplier_id=3, number="О-1"
    )
    login = record(actor=staff, action=Action.USER_LOGGED_IN, obj=staff)

    names.backwards(apps, None)

    answered.refresh_from_db()
    login.refresh_from_db()
    assert (answered.action, answered.data) == (
        "staff.answer_appeal",
        {"number": "О-1", "supplier_id": 3},
    )
    assert login.action == "logged_in"
