"""Which suppliers a staff member may see: the one rule every staff selector goes through.

The rule itself is ``kabinet.billing.scoping`` (the support services check it too); this
module applies it to the staff area's querysets. Views load every object by id through a
queryset narrowed here, so an object of another supplier answers 404 exactly like one that does
not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from kabinet.billing.models import Supplier
from kabinet.billing.scoping import is_staff, sees_all_suppliers, staff_member, supplier_ids

__all__ = [
    "is_staff",
    "scoped",
    "sees_all_suppliers",
    "staff_member",
    "supplier_ids",
    "supplier_q",
    "visible_suppliers",
]


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
