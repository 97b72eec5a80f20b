"""A mailing's e-mails: written in one insert, delivered as one batch, each once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from kabinet.messaging import services
from kabinet.messaging.models import OutgoingMessage

pytestmark = pytest.mark.django_db


def emails(n: int) -> list[services.EmailToQueue]:
    return [
        services.EmailToQueue(
            to=f"reader{i}@example.org", template="mailing", subject="Тема", body=f"Письмо {i}"
        )
        for i in range(n)
    ]


def test_a_mailing_is_written_and_delivered_once(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ids = services.queue_emails(emails(3))

    assert len(ids) == 3
    assert sorted(m.to[0] for m in mail.outbox) == [f"reader{i}@example.org" for i in range(3)]
    assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {"sent"}
    assert services.deliver_many(ids) == 0
    assert len(mail.outbox) == 3


def test_a_refused_address_fails_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = services.queue_emails(emails(2))
    real = services._send_through_provider

    def refuse_first(message: OutgoingMessage) -> str:
        if message.to == "reader0@example.org":
            raise services.DeliveryError("550 no such user", permanent=True)
        return real(message)

    monkeypatch.setattr(services, "_send_through_provider", refuse_first)

    assert services.deliver_many(ids) == 1
    statuses = dict(OutgoingMessage.objects.values_list("to", "status"))
    assert statuses == {"reader0@example.org": "failed", "reader1@example.org": "sent"}


def test_a_recipient_that_is_no_address_is_a_bug() -> None:
    with pytest.raises(ValueError, match="address"):
        services.queue_emails(
            [services.EmailToQueue(to="+79160000000", template="t", subject="s", body="b")]
        )
