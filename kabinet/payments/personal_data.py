"""What payments keep about a person (see kabinet.core.personal_data).

A payment is kept by law (the books, 54-FZ receipts): amount, dates, account, splits and status
stay. What named the payer goes: where the receipt was sent, and the pointer to the user.
"""

from __future__ import annotations

from typing import Any

from kabinet.billing import versions
from kabinet.core.personal_data import plain
from kabinet.identity.models import User
from kabinet.payments.models import Payment

COVERS = {
    "payments.Payment.user": "kept for the books (amount, dates, account); the pointer goes",
    "payments.Payment.receipt_email": "emptied",
    "payments.Payment.receipt_phone": "emptied",
    "payments.PaymentEvent.note": "the acquirer's note on the payment, not the person's",
    "payments.Refund.actor": "the staff member who refunded; kept for the books, the pointer "
    "goes (SET_NULL) if that login is ever deleted",
}


def export_personal_data(*, user: User) -> dict[str, Any]:
    payments = Payment.objects.filter(user=user).select_related("account")
    return {
        "payments": [
            {
                "account": payment.account.number_display or payment.account.number,
                "amount": plain(payment.amount),
                "refunded_amount": plain(payment.refunded_amount),
                "status": payment.status,
                "created_at": plain(payment.created_at),
                "paid_at": plain(payment.paid_at),
                "receipt_email": payment.receipt_email,
                "receipt_phone": payment.receipt_phone,
            }
            for payment in payments.order_by("created_at", "pk")
        ]
    }


def erase_personal_data(*, user: User) -> None:
    payments = Payment.objects.filter(user=user)
    account_ids = list(payments.values_list("account_id", flat=True).distinct())
    payments.update(receipt_email="", receipt_phone="")
    versions.bump(account_ids=account_ids)
