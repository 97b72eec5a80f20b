"""The demo's notifications: what the rules raise for the demo customers today, one staff
announcement, and the SMS kinds of the first supplier."""

from __future__ import annotations

from django.utils import timezone

from kabinet.billing.models import Supplier
from kabinet.notifications import rules, services
from kabinet.notifications.models import Announcement, Kind

DEMO_SMS_KINDS = [Kind.DEBT_OVERDUE.value, Kind.READINGS_CLOSING.value]


def add_demo_notifications(suppliers: dict[str, Supplier]) -> str:
    """Raise today's notifications and the demo announcement; a line to print. Idempotent: the
    rules raise nothing twice and the announcement is written once."""
    now = timezone.now()
    raised = sum(services.raise_notifications(rule(now)) for rule in rules.RULES.values())
    first = next(iter(suppliers.values()))
    if not first.sms_notification_kinds:
        Supplier.objects.filter(pk=first.pk).update(sms_notification_kinds=DEMO_SMS_KINDS)
    announced = 0
    if not Announcement.objects.exists():
        announcement = Announcement.objects.create(
            supplier=first,
            topic=Announcement.Topic.OUTAGE,
            title="Плановое отключение электроэнергии",
            text=(
                "В связи с ремонтом подстанции в ближайшую среду с 9:00 до 17:00 возможны "
                "отключения электроэнергии. Приносим извинения за неудобства."
            ),
        )
        announced = services.fan_out(announcement, now=now)
    return f"Уведомления: по правилам +{raised}, объявление поставщика +{announced}"
