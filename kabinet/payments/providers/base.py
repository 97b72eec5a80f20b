"""The acquirer interface: start a payment, read its status, refund it.

What may move money and when:
- ``start`` registers a payment with the acquirer and returns the page where the customer pays.
  It never moves money by itself: only the customer confirming on the acquirer's page does.
  It is idempotent by ``StartRequest.idempotency_key`` (our payment's key): a retry after a
  timeout returns the payment the first call created, never a second one.
- ``fetch`` only reads. A notification is never trusted: its payment is always fetched.
- ``refund`` returns money to the card and registers the refund receipt; idempotent by its own
  key.

Errors are ProviderError; ``permanent`` says whether retrying the same call can help.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol

ProviderState = Literal["pending", "succeeded", "canceled"]


PaymentMode = Literal["full_payment", "full_prepayment"]


@dataclass(frozen=True)
class ReceiptItem:
    """One line of the 54-FZ receipt (ФФД 1.2): a recipient supplier's service.

    ``vat_code`` is the supplier's (YooKassa's codes 1–12). ``agent_type`` is empty when the
    supplier is the merchant itself; otherwise the merchant collects for the supplier, and the
    receipt names it (name, INN and phone, tag 1171 — E.164 digits without «+»).
    ``payment_mode``: ``full_payment`` for what a bill charged, ``full_prepayment`` for money
    paid ahead of a bill (more than owed, or with nothing owed).
    """

    description: str
    amount: Decimal
    supplier_name: str
    supplier_inn: str
    supplier_phone: str = ""
    vat_code: int = 1
    agent_type: str = "payment_agent"
    payment_mode: PaymentMode = "full_payment"


@dataclass(frozen=True)
class Receipt:
    """Who gets a receipt and its items; a refund sends one of these for what it returns."""

    email: str = ""
    phone: str = ""  # E.164
    items: tuple[ReceiptItem, ...] = ()


@dataclass(frozen=True)
class StartRequest:
    payment_id: int
    idempotency_key: str
    amount: Decimal
    description: str
    return_url: str
    receipt_email: str = ""
    receipt_phone: str = ""  # E.164
    items: tuple[ReceiptItem, ...] = ()


@dataclass(frozen=True)
class StartResult:
    provider_id: str
    confirmation_url: str
    status: ProviderState


@dataclass(frozen=True)
class ProviderStatus:
    """What the acquirer says about a payment right now."""

    provider_id: str
    status: ProviderState
    amount: Decimal
    raw_status: str = ""
    paid_at: dt.datetime | None = None
    failure_code: str = ""
    refunded_amount: Decimal = field(default_factory=lambda: Decimal("0.00"))


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    status: Literal["pending", "succeeded", "canceled"]


@dataclass(frozen=True)
class Notification:
    """What a notification body names; its status claim is only a hint and never applied."""

    provider_id: str
    event: str


class ProviderError(Exception):
    """The acquirer did not answer usefully.

    ``permanent``: the same call will fail again (a 4xx, a rejected request); otherwise (timeout,
    5xx, connection refused) retrying with the same idempotency key is safe.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class PaymentProvider(Protocol):
    name: str

    def start(self, request: StartRequest) -> StartResult: ...

    def fetch(self, provider_id: str) -> ProviderStatus: ...

    def refund(
        self,
        provider_id: str,
        amount: Decimal,
        idempotency_key: str,
        receipt: Receipt | None = None,
    ) -> RefundResult:
        """Return ``amount`` of a payment; ``receipt`` is the refund receipt (54-FZ) to register."""
        ...

    def parse_notification(self, body: bytes) -> Notification | None:
        """The payment a notification body is about, or None for a body that names none."""
        ...
