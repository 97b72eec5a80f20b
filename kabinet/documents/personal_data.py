"""What the documents app keeps about a person: which bills were e-mailed to them
(see kabinet.core.personal_data). The bills are the utility's; the record of sending them to
this person goes (the letters themselves go with identity's outbox clean-up)."""

from __future__ import annotations

from typing import Any

from kabinet.core.personal_data import plain
from kabinet.documents.models import BillDelivery
from kabinet.identity.models import User

COVERS = {
    "documents.BillDelivery.user": "deleted",
}


def export_personal_data(*, user: User) -> dict[str, Any]:
    deliveries = BillDelivery.objects.filter(user=user).select_related("bill__account")
    return {
        "bill_deliveries": [
            {
                "account": delivery.bill.account.number_display or delivery.bill.account.number,
                "period": plain(delivery.bill.period),
                "sent_at": plain(delivery.sent_at),
            }
            for delivery in deliveries.order_by("sent_at", "pk")
        ]
    }


def erase_personal_data(*, user: User) -> None:
    BillDelivery.objects.filter(user=user).delete()
