"""Notification jobs: the rules' periodic runs, the fan-out of announcements, the dispatch of
deliveries and the sending of those whose time has come.

Every job is safe to run twice or after a crash: raising conflicts on the unique constraint,
dispatching takes only undispatched notifications, sending only queued deliveries. The
schedules are in this module's decorators, beside the other apps' periodic jobs.
"""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from kabinet.notifications import rules, services
from kabinet.notifications.models import Announcement

logger = logging.getLogger(__name__)


@db_task()
def run_rule(name: str) -> int:
    """Raise one rule's notifications, then dispatch and send what is due."""
    with lock_task(f"notifications-rule-{name}"):
        now = timezone.now()
        created = services.raise_notifications(rules.RULES[name](now))
        logger.info("Notification rule %s raised %s", name, created)
    dispatch_and_send()
    return created


@db_task()
def dispatch_and_send() -> None:
    services.dispatch_pending()
    services.send_due_deliveries()


@db_task()
def fan_out_announcement(announcement_id: int) -> int:
    announcement = Announcement.objects.filter(pk=announcement_id).first()
    if announcement is None:
        return 0
    created = services.fan_out(announcement)
    dispatch_and_send()
    return created


# Daily at 9:00 (the site's zone): new bills, debts, the readings window and verification dates.
@db_periodic_task(crontab(hour="9", minute="0"))
def daily_rules() -> None:
    for name in ("new_bills", "debts", "readings_window", "verifications"):
        run_rule(name)


# Payment results are news within minutes.
@db_periodic_task(crontab(minute="*/5"))
def payment_results() -> None:
    run_rule("payments")


# Every few minutes: announcements a crashed fan-out left unfinished, notifications a crash left
# undispatched, and deliveries whose quiet hours have ended.
@db_periodic_task(crontab(minute="*/10"))
def sweep() -> None:
    for announcement_id in Announcement.objects.filter(fanned_out_at__isnull=True).values_list(
        "pk", flat=True
    ):
        fan_out_announcement(announcement_id)
    dispatch_and_send()
