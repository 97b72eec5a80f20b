"""Background jobs of the core app."""

from __future__ import annotations

from huey import crontab
from huey.api import Task
from huey.contrib.djhuey import db_periodic_task, signal
from huey.signals import SIGNAL_ERROR
from prometheus_client import Counter

from kabinet.core import ratelimit


@db_periodic_task(crontab(minute="17"))
def purge_rate_counters() -> None:
    """Drop the rate limiter's database counters whose window has ended (they only take room:
    the next event for a key reuses or replaces its expired row anyway)."""
    ratelimit.purge_expired()


JOBS_FAILED = Counter(
    "kabinet_jobs_failed", "Background jobs that ended with an exception, by task.", ["task"]
)


@signal(SIGNAL_ERROR)
def count_failed_job(signal_name: str, task: Task, exc: BaseException | None = None) -> None:
    """Counted in the worker process; /metrics sums the workers' counts on this machine
    (prometheus_client multiprocess mode)."""
    JOBS_FAILED.labels(task.name).inc()
