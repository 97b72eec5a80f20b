"""Which suppliers a staff member may see: the one rule every staff selector goes through.

A superuser and a member without a supplier see every supplier; a member bound to a supplier
sees only it. Anyone else (a customer, a staff user without an active StaffMember) is not staff
and sees nothing. Views load every object by id through a queryset narrowed here, so an object
of another supplier answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from kabinet.billing.models import Supplier
from kabinet.staff.models import StaffMember

_CACHE_ATTR = "_kabinet_staff_member"
_MISSING = object()


def staff_member(user: Any) -> StaffMember | None:
    """The user's active StaffMember row (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, _CACHE_ATTR, _MISSING)
    if cached is _MISSING:
        cached = (
            StaffMember.objects.filter(user_id=user.pk, is_active=True)
            .select_related("supplier")
            .first()
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached  # type: ignore[return-value]


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


def visible_suppliers(user: Any) -> QuerySet[Supplier]:
    ids = supplier_ids(user)
    suppliers = Supplier.objects.order_by("short_name")
    return suppliers if ids is None else suppliers.filter(pk__in=ids)


def supplier_q(user: Any, field: str = "supplier") -> Q:
    """A filter on ``field`` (a path to a supplier FK) that keeps the user's suppliers."""
    ids = supplier_ids(user)
    if ids is None:
        return Q()
    return Q(**{f"{field}__in": ids})


def scoped(queryset: QuerySet[Any], user: Any, field: str = "supplier") -> QuerySet[Any]:
    """``queryset`` narrowed to the user's suppliers through ``field``."""
    ids = supplier_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": ids})
