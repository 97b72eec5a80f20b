"""What the staff app keeps about a person: a staff member's place (see
kabinet.core.personal_data). Customers have none; a staff member's goes with their user."""

from __future__ import annotations

from typing import Any

from kabinet.identity.models import User
from kabinet.staff.models import StaffMember

COVERS = {
    "staff.StaffMember.user": "deleted",
}


def export_personal_data(*, user: User) -> dict[str, Any]:
    member = StaffMember.objects.filter(user=user).select_related("supplier").first()
    if member is None:
        return {}
    return {
        "staff_member": {
            "supplier": member.supplier.short_name if member.supplier else None,
            "position": member.position,
            "is_active": member.is_active,
        }
    }


def erase_personal_data(*, user: User) -> None:
    StaffMember.objects.filter(user=user).delete()
