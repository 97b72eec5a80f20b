"""What notifications keep about a person (see kabinet.core.personal_data): their notifications
with the facts they carry, the deliveries of those, and their subscription choices — all
theirs, all deleted. Announcements are the utility's texts; only their author pointer goes."""

from __future__ import annotations

from typing import Any

from kabinet.core.personal_data import plain
from kabinet.identity.models import User
from kabinet.notifications.models import Announcement, Notification, Subscription

COVERS = {
    "notifications.Notification.user": "deleted, with its deliveries",
    "notifications.Notification.payload": "deleted with the notification",
    "notifications.Subscription.user": "deleted: the person's choices",
    "notifications.Announcement.created_by": "a staff member's text to customers: kept, the "
    "pointer goes",
    "notifications.Announcement.text": "the utility's own announcement, not a person's",
}


def export_personal_data(*, user: User) -> dict[str, Any]:
    return {
        "notifications": [
            {
                "kind": note.kind,
                "account": note.account.number if note.account else None,
                "created_at": plain(note.created_at),
                "read_at": plain(note.read_at),
            }
            for note in Notification.objects.filter(user=user)
            .select_related("account")
            .order_by("created_at", "pk")
        ],
        "notification_subscriptions": [
            {"kind": s.kind, "channel": s.channel, "enabled": s.enabled}
            for s in Subscription.objects.filter(user=user).order_by("kind", "channel")
        ],
    }


def erase_personal_data(*, user: User) -> None:
    Notification.objects.filter(user=user).delete()
    Subscription.objects.filter(user=user).delete()
    Announcement.objects.filter(created_by=user).update(created_by=None)
