"""The development SMS gateway: nothing leaves the machine.

The OutgoingMessage row already holds the text, so "delivering" is accepting it; the job then marks
the row sent and staff read it in the admin (SMS_BACKEND=outbox, the default).
"""

from __future__ import annotations

import logging

from django.conf import settings

from kabinet.messaging.providers.base import SmsResult, SmsToSend

logger = logging.getLogger(__name__)


class OutboxGateway:
    def send(self, message: SmsToSend) -> SmsResult:
        if settings.DEBUG:
            # On a laptop the console is the quickest place to read a code.
            logger.info(
                "SMS #%s to %s in the outbox: %s", message.message_id, message.to, message.text
            )
        else:
            # Outside DEBUG the text may be a live login code: never write it to logs.
            logger.info("SMS #%s kept in the outbox (SMS_BACKEND=outbox)", message.message_id)
        return SmsResult(provider_message_id=f"outbox-{message.message_id}")
