"""A message whose job cannot be queued (Redis restarting) is kept and sent by the sweep."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from redis.exceptions import ConnectionError as RedisConnectionError

from kabinet.messaging import services
from kabinet.messaging.models import OutgoingMessage
from kabinet.messaging.services import send_sms

pytestmark = pytest.mark.django_db


def test_an_unreachable_queue_leaves_the_message_to_the_sweep(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(HUEY, "enqueue", refuse)
    # The request that asked for the SMS completes: no exception out of the commit.
    with django_capture_on_commit_callbacks(execute=True):
        message = send_sms(to="+79161234567", template="test_message", context={"code": "1"})
    message.refresh_from_db()
    assert message.status == OutgoingMessage.Status.QUEUED
    assert message.attempts == 0

    monkeypatch.undo()
    later = timezone.now() + services.STUCK_QUEUED_AFTER + dt.timedelta(seconds=5)
    assert services.stuck_message_ids(now=later) == [message.pk]
    services.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == OutgoingMessage.Status.SENT
