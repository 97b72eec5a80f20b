"""Sending e-mail: rendered from templates, delivered through Django's backend, SMTP included."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core import mail

from kabinet.messaging.models import OutgoingMessage
from kabinet.messaging.services import deliver, send_email

pytestmark = pytest.mark.django_db

REFUSED_ADDRESS = "nobody@example.org"


@dataclass
class SmtpRecorder:
    """An aiosmtpd handler that keeps what it received and refuses one mailbox with 550."""

    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address == REFUSED_ADDRESS:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpRecorder]:
    """A real SMTP server on 127.0.0.1 with EMAIL_BACKEND=smtp pointed at it."""
    recorder = SmtpRecorder()
    port = free_port()
    # Fixed host names on both sides: neither may look this machine up in DNS.
    controller = Controller(
        recorder, hostname="127.0.0.1", port=port, server_hostname="smtp.kabinet.test"
    )
    monkeypatch.setattr(socket, "getfqdn", lambda name="": "kabinet.test")
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Личный кабинет <lk@kabinet.test>"
    try:
        yield recorder
    finally:
        controller.stop()


def test_it_renders_subject_text_and_html_from_the_templates() -> None:
    message = send_email(
        to="ivanov@example.org", template="test_message", context={"name": "Пётр & Ко"}
    )

    assert message.channel == OutgoingMessage.Channel.EMAIL
    assert message.status == OutgoingMessage.Status.QUEUED
    assert message.subject == "Проверка связи — Пётр & Ко"
    assert message.body.startswith("Здравствуйте, Пётр & Ко!")
    # The HTML part escapes what the text part keeps as it is.
    assert "<p>Здравствуйте, Пётр &amp; Ко!</p>" in message.html_body


def test_it_delivers_through_the_django_backend_after_the_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = send_email(to="ivanov@example.org", template="test_message", context={})

    message.refresh_from_db()
    assert message.status == OutgoingMessage.Status.SENT
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["ivanov@example.org"]
    assert sent.subject == message.subject
    assert sent.extra_headers["Message-ID"] == message.provider_message_id


def test_it_rejects_something_that_is_not_an_address() -> None:
    with pytest.raises(ValueError, match="address"):
        send_email(to="+79161234567", template="test_message", context={})


def test_an_smtp_server_receives_the_message_with_russian_text_intact(
    smtp_server: SmtpRecorder,
) -> None:
    message = send_email(
        to="ivanov@example.org", template="test_message", context={"name": "Пётр Иванов"}
    )

    assert deliver(message.pk).result == "sent"

    assert len(smtp_server.received) == 1
    mail_from, recipients, received = smtp_server.received[0]
    assert mail_from == "lk@kabinet.test"
    assert recipients == ["ivanov@example.org"]
    # Django folds a long encoded Subject onto a continuation line; unfolding leaves a leading
    # space that mail clients ignore.
    assert str(received["Subject"]).strip() == "Проверка связи — Пётр Иванов"
    assert received["From"] == "Личный кабинет <lk@kabinet.test>"
    assert received["Message-ID"] == OutgoingMessage.objects.get().provider_message_id
    text_part = received.get_body(preferencelist=("plain",))
    html_part = received.get_body(preferencelist=("html",))
    assert text_part is not None
    assert html_part is not None
    assert isinstance(text_part, EmailMessage)
    assert isinstance(html_part, EmailMessage)
    assert "Здравствуйте, Пётр Иванов!" in text_part.get_content()
    assert "«Личного кабинета»" in text_part.get_content()
    assert "<p>Здравствуйте, Пётр Иванов!</p>" in html_part.get_content()


def test_a_mailbox_the_server_refuses_fails_at_once(smtp_server: SmtpRecorder) -> None:
    message = send_email(to=REFUSED_ADDRESS, template="test_message", context={})

    assert deliver(message.pk).result == "failed"

    message.refresh_from_db()
    assert message.status == OutgoingMessage.Status.FAILED
    assert message.attempts == 1
    assert "550" in message.last_error
    assert smtp_server.received == []


def test_an_unreachable_smtp_server_is_retried(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nobody listens there
    settings.EMAIL_TIMEOUT = 2
    message = send_email(to="ivanov@example.org", template="test_message", context={})

    assert deliver(message.pk).result == "retry"

    message.refresh_from_db()
    assert message.status == OutgoingMessage.Status.QUEUED
    assert "unreachable" in message.last_error
