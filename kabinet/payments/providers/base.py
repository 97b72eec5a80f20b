"""The acquirer interface: start a payment, read its status, refund it.

What may move money and when:
- ``start`` registers a payment with the acquirer and returns the page where the customer pays.
  It never moves money by itself: only the customer confirming on the acquirer's page does.
  It is idempotent by ``StartRequest.idempotency_key`` (our payment's key): a retry after a
  timeout returns the payment the first call created, never a second one.
- ``fetch`` only reads. A notification is never trusted: its payment is always fetched.
- ``refund`` returns money to the card; idempotent by its own key.

Errors are ProviderError; ``permanent`` says whether retrying the same call can help.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol

ProviderState = Literal["pending", "succeeded", "canceled"]


@dataclass(frozen=True)
class ReceiptItem:
    """One line of the 54-FZ receipt: a recipient supplier's service paid through the agent."""

    description: str
    amount: Decimal
    supplier_name: str
    supplier_inn: str
    supplier_phone: str = ""


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

    def refund(self, provider_id: str, amount: Decimal, idempotency_key: str) -> RefundResult: ...

    def parse_notification(self, body: bytes) -> Notification | None:
        """The payment a notification body is about, or None for a body that names none."""
        ...
