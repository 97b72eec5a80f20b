"""The delivery job: retries what may succeed later, fails what cannot, never sends twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from kabinet.messaging import services
from kabinet.messaging.admin import masked_body
from kabinet.messaging.models import OutgoingMessage
from kabinet.messaging.services import MAX_ATTEMPTS, deliver, send_email, send_sms
from kabinet.messaging.tasks import deliver_message, requeue_stuck_messages
from tests.messaging.conftest import FakeSmsGateway

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_huey_schedule() -> Any:
    """Retries scheduled by the immediate-mode huey stay in its memory storage; drop them."""
    HUEY.storage.flush_all()
    yield
    HUEY.storage.flush_all()


def queued_sms() -> OutgoingMessage:
    return send_sms(to="+79161234567", template="test_message", context={"code": "907315"})


def make_due(message: OutgoingMessage) -> None:
    """Move the message's retry time into the past, as if the back-off had elapsed."""
    OutgoingMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


def test_a_temporary_failure_is_retried_and_then_sent(sms_gateway: FakeSmsGateway) -> None:
    sms_gateway.fail_next(503)
    message = queued_sms()

    outcome = deliver(message.pk)

    assert outcome.result == "retry"
    message.refresh_from_db()
    assert message.status == OutgoingMessage.Status.QUEUED
    assert message.attempts == 1
    assert "HTTP 503" in message.last_error
    assert message.next_attempt_at > timezone.now() + dt.timedelta(seconds=25)
    # Not due yet: a second run does nothing.
    assert deliver(message.pk).result == "skipped"
    assert len(sms_gateway.requests) == 1

    make_due(message)
    assert deliver(message.pk).result == "sent"

    message.refresh_from_db()
    assert message.status == OutgoingMessage.Status.SENT
    assert message.attempts == 2
    assert message.last_error == ""
    assert len(sms_gateway.requests) == 2


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 200, "json_body": {"error": "too many requests", "error_code": 9}},
        {"status": 429, "raw": b"slow down"},
        {"status": 200, "raw": b"<html>proxy error</html>"},
    ],
)
def test_throttling_and_garbled_answers_are_temporary(
    sms_gateway: FakeSmsGateway, answer: dict[str, Any]
) -> None:
    sms_gateway.answer_next(**answer)

    assert deliver(queued_sms().pk).result == "retry"


def test_a_gateway_that_does_not_answer_in_time_is_retried(
    settings: Any, sms_gateway: FakeSmsGateway
) -> None:
    settings.SMS_GATEWAY_TIMEOUT = 0.3
    sms_gateway.answer_next(json_body={"id": 1, "cnt": 1}, delay=1.0)
    message = queued_sms()

    assert deliver(message.pk).result == "retry"

    message.refresh_from_db()
    assert "unreachable" in message.last_error


def test_an_unreachable_gateway_is_retried(settings: Any) -> None:
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sys/send.php"  # discard port: nobody listens

    assert deliver(queued_sms().pk).result == "retry"


def test_it_fails_after_the_last_attempt(sms_gateway: FakeSmsGateway) -> None:
    message = queued_sms()
    for _ in range(MAX_ATTEMPTS):
        sms_gateway.fail_next(502)
    outcomes = []
    for _ in range(MAX_ATTEMPTS):
        make_due(message)
        outcomes.append(deliver(message.pk).result)

    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    message.refresh_from_db()
    assert message.status == OutgoingMessage.Status.FAILED
    assert message.attempts == MAX_ATTEMPTS
    make_due(message)
    assert deliver(message.pk).result == "skipped"
    assert len(sms_gateway.requests) == MAX_ATTEMPTS


def test_the_back_off_doubles_from_thirty_seconds() -> None:
    assert [services.retry_delay(n).total_seconds() for n in range(1, 6)] == [30, 60, 120, 240, 480]


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        (200, {"error": "invalid number", "error_code": 7}),
        (200, {"error": "bad login", "error_code": 2}),
        (401, {"error": "unauthorized"}),
    ],
)
def test_a_permanent_failure_fails_at_once(
    sms_gateway: FakeSmsGateway, status: int, answer: dict[str, Any]
) -> None:
    sms_gateway.answer_next(status=status, json_body=answer)
    message = queued_sms()

    assert deliver(message.pk).result == "failed"

    message.refresh_from_db()
    assert message.status == OutgoingMessage.Status.FAILED
    assert message.attempts == 1
    assert message.last_error
    assert len(sms_gateway.requests) == 1


def test_a_message_run_twice_by_the_job_is_delivered_once(sms_gateway: FakeSmsGateway) -> None:
    message = queued_sms()

    deliver_message(message.pk)
    deliver_message(message.pk)

    assert len(sms_gateway.requests) == 1
    message.refresh_from_db()
    assert message.status == OutgoingMessage.Status.SENT
    assert message.attempts == 1


def test_a_message_another_worker_is_sending_is_left_alone(sms_gateway: FakeSmsGateway) -> None:
    message = queued_sms()
    OutgoingMessage.objects.filter(pk=message.pk).update(
        status=OutgoingMessage.Status.SENDING, updated_at=timezone.now()
    )

    assert deliver(message.pk).result == "skipped"
    assert sms_gateway.requests == []


def test_the_job_asks_huey_to_come_back_when_the_retry_is_due(
    sms_gateway: FakeSmsGateway,
) -> None:
    sms_gateway.fail_next(503)
    message = queued_sms()

    deliver_message(message.pk)

    scheduled = HUEY.scheduled()
    assert len(scheduled) == 1
    assert scheduled[0].args == (message.pk,)
    message.refresh_from_db()
    assert message.status == OutgoingMessage.Status.QUEUED


def test_the_sweep_requeues_stuck_messages(sms_gateway: FakeSmsGateway) -> None:
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    # Queued but its job was lost (e.g. the worker died between the commit and the enqueue).
    lost = queued_sms()
    OutgoingMessage.objects.filter(pk=lost.pk).update(next_attempt_at=long_ago)
    # Claimed by a worker that crashed mid-send.
    abandoned = queued_sms()
    OutgoingMessage.objects.filter(pk=abandoned.pk).update(
        status=OutgoingMessage.Status.SENDING, attempts=1, updated_at=long_ago
    )
    # Being sent right now, and freshly queued: both belong to someone else.
    busy = queued_sms()
    OutgoingMessage.objects.filter(pk=busy.pk).update(
        status=OutgoingMessage.Status.SENDING, updated_at=timezone.now()
    )
    fresh = queued_sms()

    assert set(services.stuck_message_ids()) == {lost.pk, abandoned.pk}
    requeue_stuck_messages()

    statuses = dict(OutgoingMessage.objects.values_list("pk", "status"))
    assert statuses == {
        lost.pk: "sent",
        abandoned.pk: "sent",
        busy.pk: "sending",
        fresh.pk: "queued",
    }
    assert [r["id"] for r in sms_gateway.requests] == [str(lost.pk), str(abandoned.pk)]
    abandoned.refresh_from_db()
    assert abandoned.attempts == 2


def test_the_sweep_leaves_messages_waiting_for_their_retry_alone() -> None:
    message = queued_sms()
    OutgoingMessage.objects.filter(pk=message.pk).update(
        attempts=1, next_attempt_at=timezone.now() + dt.timedelta(minutes=4)
    )

    assert services.stuck_message_ids() == []


def test_the_outbox_shows_the_code_only_in_debug(settings: Any, admin_client: Client) -> None:
    message = queued_sms()
    url = reverse("admin:messaging_outgoingmessage_change", args=[message.pk])

    settings.DEBUG = False
    page = admin_client.get(url).content.decode()
    assert "907315" not in page
    assert "••••••" in page

    settings.DEBUG = True
    page = admin_client.get(url).content.decode()
    assert "907315" in page


def test_the_outbox_hides_email_bodies_outside_debug(settings: Any) -> None:
    message = send_email(to="ivanov@example.org", template="test_message", context={"name": "Пётр"})

    settings.DEBUG = False
    assert "Пётр" not in masked_body(message)
    settings.DEBUG = True
    assert "Пётр" in masked_body(message)


def test_the_outbox_lists_messages_and_is_read_only(admin_client: Client) -> None:
    message = queued_sms()

    listing = admin_client.get(reverse("admin:messaging_outgoingmessage_changelist"))
    assert listing.status_code == 200
    assert "+79161234567" in listing.content.decode()
    assert admin_client.get(reverse("admin:messaging_outgoingmessage_add")).status_code == 403
    delete_url = reverse("admin:messaging_outgoingmessage_delete", args=[message.pk])
    assert admin_client.post(delete_url).status_code == 403
    assert OutgoingMessage.objects.filter(pk=message.pk).exists()
