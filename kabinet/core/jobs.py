"""Queuing a job after the act that needs it was committed, without failing the act.

Every job that must not be lost has a database row that a periodic sweep finds again (an
outgoing message still queued, a payment still pending; DESIGN.md, "Jobs"). So when the queue
itself cannot be reached (Redis restarting), the request that committed the act must still
succeed: the job is left to the sweep instead of turning a saved reading, payment or message
into a 500.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What huey's Redis and SQLite storages raise when the queue cannot be reached.
QUEUE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError, sqlite3.Error)


def enqueue_or_leave_to_sweep(task: Any, *args: Any, **kwargs: Any) -> bool:
    """Queue ``task(*args, **kwargs)``; False (logged) when the queue is unreachable."""
    try:
        task(*args, **kwargs)
    except QUEUE_ERRORS as exc:
        logger.warning(
            "Job queue unavailable, %s%r left to the periodic sweep: %s",
            getattr(task, "name", task),
            args,
            exc,
        )
        return False
    return True
