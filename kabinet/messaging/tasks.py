"""Background jobs that move outgoing messages forward."""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task
from huey.exceptions import RetryTask

from kabinet.messaging import services

logger = logging.getLogger(__name__)


@db_task()
def deliver_message(message_id: int) -> None:
    """Deliver one message; on a temporary provider error, run again when its retry is due.

    The number of attempts and the back-off live on the message row (services.MAX_ATTEMPTS,
    services.retry_delay), not in huey's retry counter: they survive a worker restart and the
    sweep, and the row is what staff see. RetryTask only tells huey when to come back.
    """
    outcome = services.deliver(message_id)
    if outcome.result == "retry" and outcome.retry_at is not None:
        delay = max((outcome.retry_at - timezone.now()).total_seconds(), 0.0)
        raise RetryTask(delay=delay)


@db_task()
def deliver_messages(message_ids: list[int]) -> None:
    """Deliver a mailing's messages as a batch; one that must retry is left to the sweep,
    which queues it again when its retry is due."""
    services.deliver_many(message_ids)


@db_periodic_task(crontab(minute="*"))
def requeue_stuck_messages() -> None:
    """Queue again what a crashed worker or a lost queue entry left behind.

    Queuing a message twice is harmless: services.deliver claims it atomically.
    """
    message_ids = services.stuck_message_ids()
    if message_ids:
        logger.warning("Re-queuing %s stuck outgoing message(s)", len(message_ids))
    for message_id in message_ids:
        deliver_message(message_id)
