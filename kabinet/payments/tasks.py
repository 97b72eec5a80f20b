"""Payment jobs: the sandbox's call-back, polling of pending payments, daily reconciliation."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kabinet.payments import services
from kabinet.payments.providers import ProviderError

logger = logging.getLogger(__name__)


@db_task(retries=5, retry_delay=10)
def deliver_sandbox_notification(token: str, event: str) -> None:
    """The sandbox bank calling back, as a bank does after the customer paid or gave up.

    It goes through the same handler as an acquirer's notification, which re-reads the status
    from the sandbox's own record.
    """
    from kabinet.payments.providers.sandbox import notification_body

    services.receive_notification(provider_name="sandbox", body=notification_body(token, event))


@db_periodic_task(crontab(minute="*/5"))
def poll_pending_payments() -> None:
    """Payments pending over 10 minutes: their notification may have been lost; ask."""
    counts = services.poll_pending()
    if counts["polled"] or counts["abandoned"]:
        logger.info("Polled pending payments: %s", counts)


@db_periodic_task(crontab(hour="4", minute="15"))
def reconcile_yesterday() -> None:
    """Compare yesterday's portal payments with the acquirer; fix and log mismatches."""
    day = timezone.localdate() - dt.timedelta(days=1)
    try:
        counts = services.reconcile_day(day)
    except ProviderError:
        logger.exception("Reconciliation of %s failed", day)
        raise
    logger.info("Reconciled payments of %s: %s", day, counts)
