"""Which suppliers a staff member may see and act for: the one rule, for every app that asks.

A superuser and a member without a supplier see every supplier; a member bound to a supplier
sees only it. Anyone else (a customer, a staff user without an active StaffMember) is not staff
and sees nothing. The staff area narrows its reads by this rule (``kabinet.staff.scoping``), and
the services of staff acts check it again before they write.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from kabinet.billing.models import StaffMember
from kabinet.identity.models import User


def staff_member(user: Any) -> StaffMember | None:
    """The user's active StaffMember row. It is the user's one-to-one ``staff_member``, which
    Django keeps on the user object once read: asking again in the same request reads nothing."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        member: StaffMember = user.staff_member
    except StaffMember.DoesNotExist:
        return None
    return member if member.is_active else None


def is_staff(user: Any) -> bool:
    """May this user enter the staff area at all."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(user.is_staff) and staff_member(user) is not None


def sees_all_suppliers(user: Any) -> bool:
    if not is_staff(user):
        return False
    if user.is_superuser:
        return True
    member = staff_member(user)
    return member is not None and member.supplier_id is None


def supplier_ids(user: Any) -> list[int] | None:
    """None for every supplier, else the ids the user may see ([] for a non-staff user)."""
    if not is_staff(user):
        return []
    if sees_all_suppliers(user):
        return None
    member = staff_member(user)
    assert member is not None
    assert member.supplier_id is not None
    return [member.supplier_id]


def may_act_for(user: Any, supplier_id: int | None) -> bool:
    """May ``user`` act as staff on a row of ``supplier_id`` (None: a row of every supplier)."""
    ids = supplier_ids(user)
    if supplier_id is None:
        return ids is None
    return ids is None or supplier_id in ids


def assignable_staff(supplier_id: int) -> QuerySet[User]:
    """Who can take an item of ``supplier_id``: active staff of it and all-supplier staff."""
    members = StaffMember.objects.filter(is_active=True, user__is_active=True, user__is_staff=True)
    members = members.filter(Q(supplier_id=supplier_id) | Q(supplier__isnull=True))
    return User.objects.filter(pk__in=members.values("user_id")).order_by(
        "last_name", "first_name", "username"
    )
