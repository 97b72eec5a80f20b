"""SMS and e-mail providers behind one small interface; SMS_BACKEND picks the SMS gateway."""

from __future__ import annotations

from django.conf import settings

from kabinet.messaging.providers.base import DeliveryError, SmsGateway, SmsResult, SmsToSend

__all__ = ["DeliveryError", "SmsGateway", "SmsResult", "SmsToSend", "get_sms_gateway"]


def get_sms_gateway() -> SmsGateway:
    """The gateway SMS_BACKEND names, built from the current settings on every call."""
    # Vendor modules are imported only when chosen, so the default needs nothing configured.
    if settings.SMS_BACKEND == "http":
        from kabinet.messaging.providers.http_gateway import HttpSmsGateway

        return HttpSmsGateway.from_settings()
    from kabinet.messaging.providers.outbox import OutboxGateway

    return OutboxGateway()
