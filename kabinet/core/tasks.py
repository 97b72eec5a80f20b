"""Background jobs of the core app."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kabinet.core import ratelimit


@db_periodic_task(crontab(minute="17"))
def purge_rate_counters() -> None:
    """Drop the rate limiter's database counters whose window has ended (they only take room:
    the next event for a key reuses or replaces its expired row anyway)."""
    ratelimit.purge_expired()
