"""Bill mailing jobs."""

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
    """E-mail the bill for `period` to every paperless subscriber who has not had it yet."""
    return services.mail_bills_for_period(period)


@db_periodic_task(crontab(day="1-5", hour="8", minute="0"))
def mail_last_months_bills() -> None:
    """Bills are delivered by the 5th: from the 1st to the 5th, mail last month's bills.

    Every run sends only what earlier runs did not, so bills that billing loads on the 3rd still
    go out by the 5th and nothing goes twice.
    """
    period = add_months(period_of(timezone.localdate()), -1)
    sent = services.mail_bills_for_period(period)
    logger.info("Bill mailing for %s: %s sent", period, sent)
