"""Notifications of events raised by apps on notifications' own level (see core/events.py)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from kabinet.core.events import customer_event
from kabinet.notifications import services


@receiver(customer_event, dispatch_uid="notifications.customer_event")
def raise_on_event(sender: Any, **event: Any) -> None:
    services.raise_event(
        kind=event["kind"],
        user_id=event.get("user_id"),
        account_id=event.get("account_id"),
        key=event["key"],
        payload=event.get("payload") or {},
    )
