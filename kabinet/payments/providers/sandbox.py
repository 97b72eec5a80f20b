"""The built-in test acquirer: Kabinet's own payment page with test cards.

It behaves like a bank: ``start`` registers a payment (idempotent by key) and returns the page
where the customer enters a card; the page decides by the test card number, may ask for a
3-D Secure code, and then "calls back": it queues a notification that goes through the same code
path as an acquirer's (services.receive_notification), which re-reads the status from this
module's ``fetch`` and never from the notification.

Test cards (any expiry date in the future, any CVC):

    4111 1111 1111 1111   succeeds
    4000 0000 0000 0002   is declined by the bank
    4000 0000 0000 3220   asks for a 3-D Secure code: 123456 succeeds, anything else fails

Only available with DEBUG, in tests, or when PAYMENT_PROVIDER=sandbox is set explicitly.
"""

from __future__ import annotations

import hmac
import json
import uuid
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from kabinet.core.jobs import enqueue_or_leave_to_sweep
from kabinet.payments.models import SandboxPayment
from kabinet.payments.providers.base import (
    Notification,
    ProviderError,
    ProviderStatus,
    Receipt,
    RefundResult,
    StartRequest,
    StartResult,
)

SUCCESS_CARD = "4111111111111111"
DECLINED_CARD = "4000000000000002"
THREE_DS_CARD = "4000000000003220"
THREE_DS_CODE = "123456"
TEST_CARDS = (SUCCESS_CARD, DECLINED_CARD, THREE_DS_CARD)

SIGNATURE_HEADER = "X-Sandbox-Signature"

Outcome = Literal["succeeded", "canceled", "3ds", "unknown_card", "closed"]


def sign(body: bytes) -> str:
    """HMAC of a sandbox notification body with a key derived from SECRET_KEY."""
    return salted_hmac("kabinet.payments.sandbox", body, algorithm="sha256").hexdigest()


def signature_valid(body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(body), signature or "")


def notification_body(token: str, event: str) -> bytes:
    return json.dumps({"event": event, "object": {"id": token}}).encode()


class SandboxProvider:
    name = "sandbox"

    def start(self, request: StartRequest) -> StartResult:
        if not settings.PAYMENT_SANDBOX_ENABLED:
            raise ProviderError("the sandbox acquirer is disabled", permanent=True)
        record, _ = SandboxPayment.objects.get_or_create(
            idempotency_key=request.idempotency_key,
            defaults={
                "token": f"sb-{uuid.uuid4().hex}",
                "amount": request.amount,
                "description": request.description[:255],
                "return_url": request.return_url[:500],
            },
        )
        return StartResult(
            provider_id=record.token,
            confirmation_url=reverse("payments:sandbox_pay", args=[record.token]),
            status="pending" if record.status == SandboxPayment.Status.PENDING else record.status,  # type: ignore[arg-type]
        )

    def fetch(self, provider_id: str) -> ProviderStatus:
        record = SandboxPayment.objects.filter(token=provider_id).first()
        if record is None:
            raise ProviderError(f"sandbox payment {provider_id!r} not found", permanent=True)
        return ProviderStatus(
            provider_id=record.token,
            status=record.status,  # type: ignore[arg-type]
            amount=record.amount,
            raw_status=record.status,
            paid_at=record.paid_at,
            failure_code=record.failure_code,
            refunded_amount=record.refunded_amount,
        )

    def refund(
        self,
        provider_id: str,
        amount: Decimal,
        idempotency_key: str,
        receipt: Receipt | None = None,
    ) -> RefundResult:
        # A test bank registers no receipts.
        with transaction.atomic():
            record = SandboxPayment.objects.select_for_update().filter(token=provider_id).first()
            if record is None or record.status != SandboxPayment.Status.SUCCEEDED:
                raise ProviderError(
                    "only a succeeded sandbox payment can be refunded", permanent=True
                )
            if record.refunded_amount + amount > record.amount:
                raise ProviderError("refund exceeds the payment", permanent=True)
            record.refunded_amount += amount
            record.save(update_fields=["refunded_amount"])
        return RefundResult(refund_id=f"rf-{idempotency_key}", status="succeeded")

    def parse_notification(self, body: bytes) -> Notification | None:
        try:
            data = json.loads(body)
            token = data["object"]["id"]
            event = data.get("event", "")
        except (ValueError, KeyError, TypeError):
            return None
        if not isinstance(token, str) or not token:
            return None
        return Notification(provider_id=token[:64], event=str(event)[:64])


# --- The bank's side: what its payment page does ---------------------------------------------


def _finish(record: SandboxPayment, status: str, failure_code: str = "") -> None:
    record.status = status
    record.failure_code = failure_code
    record.awaiting_3ds = False
    if status == SandboxPayment.Status.SUCCEEDED:
        record.paid_at = timezone.now()
    record.save()
    token = record.token
    event = f"payment.{status}"

    def call_back() -> None:
        from kabinet.payments.tasks import deliver_sandbox_notification

        # The outcome is committed: with the queue down, poll_pending_payments asks the
        # (sandbox) bank for it instead.
        enqueue_or_leave_to_sweep(deliver_sandbox_notification, token, event)

    transaction.on_commit(call_back)


def pay_with_card(token: str, card_number: str) -> Outcome:
    """The customer submitted a card on the sandbox page."""
    with transaction.atomic():
        record = SandboxPayment.objects.select_for_update().get(token=token)
        if record.status != SandboxPayment.Status.PENDING:
            return "closed"
        if card_number not in TEST_CARDS:
            return "unknown_card"
        record.card_last4 = card_number[-4:]
        if card_number == THREE_DS_CARD:
            record.awaiting_3ds = True
            record.save(update_fields=["card_last4", "awaiting_3ds"])
            return "3ds"
        if card_number == DECLINED_CARD:
            _finish(record, SandboxPayment.Status.CANCELED, "card_declined")
            return "canceled"
        _finish(record, SandboxPayment.Status.SUCCEEDED)
        return "succeeded"


def confirm_3ds(token: str, code: str) -> Outcome:
    with transaction.atomic():
        record = SandboxPayment.objects.select_for_update().get(token=token)
        if record.status != SandboxPayment.Status.PENDING or not record.awaiting_3ds:
            return "closed"
        if hmac.compare_digest(code.strip(), THREE_DS_CODE):
            _finish(record, SandboxPayment.Status.SUCCEEDED)
            return "succeeded"
        _finish(record, SandboxPayment.Status.CANCELED, "3d_secure_failed")
        return "canceled"


def cancel(token: str) -> Outcome:
    with transaction.atomic():
        record = SandboxPayment.objects.select_for_update().get(token=token)
        if record.status != SandboxPayment.Status.PENDING:
            return "closed"
        _finish(record, SandboxPayment.Status.CANCELED, "canceled_by_user")
        return "canceled"
