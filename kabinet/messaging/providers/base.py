"""The SMS gateway interface: one method, frozen request and result, and retry-aware errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SmsToSend:
    """What a gateway needs to send one SMS."""

    message_id: int  # Kabinet's OutgoingMessage id, passed on where the gateway keeps one
    to: str  # E.164, "+79161234567"
    text: str
    sender: str


@dataclass(frozen=True)
class SmsResult:
    """The gateway accepted the SMS; `provider_message_id` is its id, for support and statuses."""

    provider_message_id: str


class DeliveryError(Exception):
    """The provider did not accept the message.

    `permanent` means retrying the same message cannot help (invalid number, rejected credentials,
    forbidden text); otherwise (timeouts, 5xx, throttling) the job retries with back-off.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmsGateway(Protocol):
    def send(self, message: SmsToSend) -> SmsResult:
        """Hand one SMS to the gateway; raise DeliveryError when it is not accepted."""
        ...
