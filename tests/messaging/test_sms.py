"""Sending SMS: written with the caller's act, capped, delivered through the chosen gateway."""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

import pytest
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError

from kabinet.messaging.models import OutgoingMessage
from kabinet.messaging.services import DeliveryRefused, deliver, send_sms
from tests.messaging.conftest import FakeSmsGateway

pytestmark = pytest.mark.django_db

CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]

CONTEXT = {"name": "Иванов & сыновья", "code": "482916"}


def random_number(rng: random.Random) -> str:
    return f"+79{rng.randrange(10**9):09d}"


def test_it_delivers_an_sms_to_the_outbox_after_the_commit(
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = send_sms(to="+79161234567", template="test_message", context=CONTEXT)
        message.refresh_from_db()
        assert message.status == OutgoingMessage.Status.QUEUED

    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == OutgoingMessage.Status.SENT
    assert message.channel == OutgoingMessage.Channel.SMS
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.provider_message_id == f"outbox-{message.pk}"


def test_it_renders_the_text_without_html_escaping() -> None:
    message = send_sms(to="+79161234567", template="test_message", context=CONTEXT)

    assert message.body == "Тестовое сообщение для Иванов & сыновья: код 482916."


def test_it_writes_and_sends_nothing_when_the_caller_rolls_back(
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    def register_and_fail() -> None:
        with transaction.atomic():
            send_sms(to="+79161234567", template="test_message", context=CONTEXT)
            raise RuntimeError("the registration failed")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        register_and_fail()

    assert callbacks == []
    assert not OutgoingMessage.objects.exists()


@pytest.mark.parametrize("number", ["89161234567", "+7 916 123-45-67", "", "+0123456789"])
def test_it_rejects_a_number_that_is_not_e164(number: str) -> None:
    with pytest.raises(ValueError, match=r"E\.164"):
        send_sms(to=number, template="test_message", context=CONTEXT)


def test_it_enforces_the_per_number_cap(settings: Any) -> None:
    settings.SMS_LIMIT_PER_NUMBER = 5
    for _ in range(5):
        send_sms(to="+79161234567", template="test_message", context=CONTEXT, client_ip="10.0.0.1")

    with pytest.raises(DeliveryRefused) as refused:
        send_sms(to="+79161234567", template="test_message", context=CONTEXT, client_ip="10.0.0.2")

    assert refused.value.reason == "limit_target"
    assert "номер" in refused.value.message
    assert OutgoingMessage.objects.count() == 5
    # Another number is not affected.
    send_sms(to="+79161234568", template="test_message", context=CONTEXT)


def test_it_enforces_the_per_ip_cap(settings: Any) -> None:
    settings.SMS_LIMIT_PER_IP = 3
    rng = random.Random(1)
    for _ in range(3):
        send_sms(to=random_number(rng), template="test_message", context={}, client_ip="10.0.0.1")

    with pytest.raises(DeliveryRefused) as refused:
        send_sms(to=random_number(rng), template="test_message", context={}, client_ip="10.0.0.1")

    assert refused.value.reason == "limit_ip"
    assert "адреса" in refused.value.message
    assert OutgoingMessage.objects.count() == 3
    send_sms(to=random_number(rng), template="test_message", context={}, client_ip="10.0.0.2")


def test_it_enforces_the_global_cap(settings: Any) -> None:
    settings.SMS_LIMIT_GLOBAL = 2
    send_sms(to="+79160000001", template="test_message", context={})
    send_sms(to="+79160000002", template="test_message", context={})

    with pytest.raises(DeliveryRefused) as refused:
        send_sms(to="+79160000003", template="test_message", context={})

    assert refused.value.reason == "limit_global"
    assert OutgoingMessage.objects.count() == 2


def test_requests_refused_by_the_ip_cap_leave_the_numbers_allowance_alone(settings: Any) -> None:
    settings.SMS_LIMIT_PER_IP = 2
    settings.SMS_LIMIT_PER_NUMBER = 2
    send_sms(to="+79160000001", template="test_message", context={}, client_ip="10.6.6.6")
    send_sms(to="+79160000002", template="test_message", context={}, client_ip="10.6.6.6")
    for _ in range(10):
        with pytest.raises(DeliveryRefused):
            send_sms(to="+79161234567", template="test_message", context={}, client_ip="10.6.6.6")

    # The victim can still get both of their own codes.
    send_sms(to="+79161234567", template="test_message", context={}, client_ip="10.0.0.1")
    send_sms(to="+79161234567", template="test_message", context={}, client_ip="10.0.0.1")


@pytest.mark.parametrize("error", [RedisConnectionError("down"), ConnectionRefusedError()])
def test_it_refuses_rather_than_sends_when_the_limiter_is_down(
    error: Exception, django_capture_on_commit_callbacks: CaptureOnCommit, settings: Any
) -> None:
    settings.RATELIMIT_CACHE = "default"  # counters in Redis, which does not answer
    with (
        mock.patch("django.core.cache.cache.add", side_effect=error),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(DeliveryRefused) as refused,
    ):
        send_sms(to="+79161234567", template="test_message", context=CONTEXT)

    assert refused.value.reason == "limiter_unavailable"
    assert refused.value.message.startswith("Сейчас не удаётся отправить SMS")
    assert callbacks == []
    assert not OutgoingMessage.objects.exists()


def test_codes_to_a_thousand_random_numbers_reach_the_gateway_no_more_than_the_cap(
    settings: Any,
    sms_gateway: FakeSmsGateway,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    """The issue's acceptance test: a flood from many addresses is stopped by the global cap."""
    settings.SMS_LIMIT_GLOBAL = 50
    rng = random.Random(20251121)
    refused: list[DeliveryRefused] = []
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(1000):
            ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            try:
                send_sms(
                    to=random_number(rng),
                    template="test_message",
                    context={"name": "абонент", "code": f"{rng.randrange(10**6):06d}"},
                    client_ip=ip,
                )
            except DeliveryRefused as exc:
                refused.append(exc)

    assert 0 < len(sms_gateway.requests) <= 50
    assert len(refused) == 1000 - len(sms_gateway.requests)
    assert {exc.reason for exc in refused} == {"limit_global"}
    # Nothing was written for a refused request, and everything written was delivered.
    assert OutgoingMessage.objects.count() == len(sms_gateway.requests)
    assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_with_the_cache_down_no_sms_reaches_the_gateway(
    sms_gateway: FakeSmsGateway,
    django_capture_on_commit_callbacks: CaptureOnCommit,
    settings: Any,
) -> None:
    settings.RATELIMIT_CACHE = "default"  # counters in Redis, which does not answer
    rng = random.Random(7)
    with (
        mock.patch("django.core.cache.cache.add", side_effect=RedisConnectionError("down")),
        mock.patch("django.core.cache.cache.incr", side_effect=RedisConnectionError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        for _ in range(100):
            with pytest.raises(DeliveryRefused):
                send_sms(to=random_number(rng), template="test_message", context={})

    assert sms_gateway.requests == []
    assert not OutgoingMessage.objects.exists()


def test_the_http_gateway_gets_the_number_text_sender_and_credentials(
    sms_gateway: FakeSmsGateway,
) -> None:
    message = send_sms(to="+79161234567", template="test_message", context=CONTEXT)

    assert deliver(message.pk).result == "sent"

    assert sms_gateway.requests == [
        {
            "login": "kabinet",
            "psw": "gateway-secret",
            "phones": "79161234567",
            "mes": "Тестовое сообщение для Иванов & сыновья: код 482916.",
            "sender": "Kabinet",
            "id": str(message.pk),
            "charset": "utf-8",
            "fmt": "3",
        }
    ]
    message.refresh_from_db()
    assert message.status == OutgoingMessage.Status.SENT
    assert message.provider_message_id == "1001"
    # The password travels in the body only.
    assert "gateway-secret" not in sms_gateway.url
