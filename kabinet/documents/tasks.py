"""Bill mailing jobs: a coordinator plans the month's mailing, chunk jobs deliver it."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kabinet.core.periods import add_months, period_of
from kabinet.documents import services

logger = logging.getLogger(__name__)


@db_task()
def mail_new_bills(period: dt.date) -> int:
    """Plan the mailing of `period`'s bills to every paperless subscriber who has not had it yet
    and queue its first chunks; returns the mailing's id."""
    return services.start_mailing(period=period).pk


@db_task()
def mail_bill_chunk(chunk_id: int) -> None:
    """Deliver one chunk of a mailing, then queue the mailing's next chunk."""
    services.run_chunk(chunk_id)


@db_periodic_task(crontab(day="1-5", hour="8", minute="0"))
def mail_last_months_bills() -> None:
    """Bills are delivered by the 5th: from the 1st to the 5th, mail last month's bills.

    Every run plans only what earlier runs did not send, so bills that billing loads on the 3rd
    still go out by the 5th and nothing goes twice.
    """
    period = add_months(period_of(timezone.localdate()), -1)
    mailing = services.start_mailing(period=period)
    logger.info("Bill mailing %s for %s: %s due", mailing.pk, period, mailing.total)


@db_periodic_task(crontab(minute="*"))
def requeue_stale_mailing_chunks() -> None:
    """Queue again the chunks a killed worker or a lost queue entry left behind.

    Queuing a chunk twice is harmless: services.run_chunk claims it atomically, and a delivery
    is recorded once per bill and subscriber.
    """
    chunk_ids = services.requeue_stale_chunks()
    if chunk_ids:
        logger.warning("Re-queuing %s stale bill mailing chunk(s)", len(chunk_ids))
