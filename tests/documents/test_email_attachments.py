"""send_email's attachments: stored with the message and sent by every delivery attempt."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from kabinet.messaging.models import MessageAttachment
from kabinet.messaging.services import deliver, send_email

pytestmark = pytest.mark.django_db


def test_attachments_are_stored_and_delivered(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = send_email(
            to="owner@example.org",
            template="bill",
            context={"period": "сентябрь 2026", "account_number": "680123456", "total": "1.00"},
            attachments=[("bill.pdf", b"%PDF-1.7 test", "application/pdf")],
        )
    stored = MessageAttachment.objects.get(message=message)
    assert (stored.filename, bytes(stored.content), stored.mimetype) == (
        "bill.pdf",
        b"%PDF-1.7 test",
        "application/pdf",
    )
    # Immediate huey sent it on commit; a second delivery is skipped.
    assert len(mail.outbox) == 1
    assert deliver(message.pk).result == "skipped"
    assert mail.outbox[0].attachments == [("bill.pdf", b"%PDF-1.7 test", "application/pdf")]
    assert "сентябрь 2026" in mail.outbox[0].subject


def test_without_attachments_nothing_changes() -> None:
    message = send_email(to="a@example.org", template="test_message", context={})
    assert not message.attachments.exists()
