"""Acquirers behind one interface (base.py); PAYMENT_PROVIDER picks the one new payments use."""

from __future__ import annotations

from django.conf import settings

from kabinet.payments.providers.base import (
    Notification,
    PaymentProvider,
    ProviderError,
    ProviderStatus,
    Receipt,
    ReceiptItem,
    RefundResult,
    StartRequest,
    StartResult,
)

__all__ = [
    "Notification",
    "PaymentProvider",
    "ProviderError",
    "ProviderStatus",
    "Receipt",
    "ReceiptItem",
    "RefundResult",
    "StartRequest",
    "StartResult",
    "get_provider",
]

PROVIDER_NAMES = ("sandbox", "yookassa")


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider called ``name`` (default: settings.PAYMENT_PROVIDER), built from settings.

    A payment keeps the name of the provider that started it, so switching PAYMENT_PROVIDER
    does not orphan payments still in flight.
    """
    name = name or settings.PAYMENT_PROVIDER
    # Vendor modules are imported only when used.
    if name == "yookassa":
        from kabinet.payments.providers.yookassa import YooKassaProvider

        return YooKassaProvider.from_settings()
    if name == "sandbox":
        from kabinet.payments.providers.sandbox import SandboxProvider

        return SandboxProvider()
    raise ProviderError(f"unknown payment provider {name!r}", permanent=True)
