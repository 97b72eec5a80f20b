"""Jobs: polling payments pending over 10 minutes, closing unstarted ones, daily reconciliation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kabinet.billing.models import Account
from kabinet.payments import services
from kabinet.payments.models import Payment, PaymentEvent, SandboxPayment
from kabinet.payments.tasks import poll_pending_payments
from tests.payments.conftest import form, url

pytestmark = pytest.mark.django_db
Status = Payment.Status


def started(client_in: object, account: Account, minutes_ago: int) -> Payment:
    client_in.post(url(account), form(account))  # type: ignore[attr-defined]
    payment = Payment.objects.order_by("-pk").first()
    assert payment is not None
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )
    return payment


def test_it_polls_payments_pending_over_ten_minutes_only(
    client_in: object, account: Account
) -> None:
    old = started(client_in, account, minutes_ago=11)
    young = started(client_in, account, minutes_ago=2)
    SandboxPayment.objects.update(status="succeeded", paid_at=timezone.now())

    poll_pending_payments.call_local()

    assert Payment.objects.get(pk=old.pk).status == Status.SUCCEEDED
    assert Payment.objects.get(pk=young.pk).status == Status.PENDING
    assert PaymentEvent.objects.filter(payment=old, kind=PaymentEvent.Kind.POLL).count() == 1


def test_a_payment_the_bank_never_opened_is_closed_after_an_hour(account: Account) -> None:
    payment = Payment.objects.create(
        account=account,
        source=Payment.Source.PORTAL,
        channel=Payment.Channel.PORTAL_CARD,
        amount=100,
        provider="sandbox",
    )
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))

    counts = services.poll_pending()

    payment.refresh_from_db()
    assert counts["abandoned"] == 1
    assert (payment.status, payment.failure_code) == (Status.CANCELED, "start_failed")


def test_reconciliation_fixes_a_lost_notification_and_logs_a_mismatch(
    client_in: object, account: Account
) -> None:
    lost = started(client_in, account, minutes_ago=0)
    disputed = started(client_in, account, minutes_ago=0)
    SandboxPayment.objects.filter(token=lost.provider_payment_id).update(status="succeeded")
    Payment.objects.filter(pk=disputed.pk).update(status=Status.SUCCEEDED)
    SandboxPayment.objects.filter(token=disputed.provider_payment_id).update(status="canceled")

    counts = services.reconcile_day(timezone.localdate())

    assert counts == {"checked": 2, "fixed": 1, "mismatches": 1, "errors": 0}
    assert Payment.objects.get(pk=lost.pk).status == Status.SUCCEEDED
    assert Payment.objects.get(pk=disputed.pk).status == Status.SUCCEEDED  # never silently undone
    assert disputed.events.filter(kind=PaymentEvent.Kind.ERROR, note="mismatch").exists()


def test_a_card_payment_made_while_the_queue_is_down_is_settled_by_the_poll(
    client_in: object,
    account: Account,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from huey.contrib.djhuey import HUEY
    from redis.exceptions import ConnectionError as RedisConnectionError

    from kabinet.payments.providers import sandbox

    payment = started(client_in, account, minutes_ago=0)

    def refuse(*args: object, **kwargs: object) -> None:
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(HUEY, "enqueue", refuse)
    # The bank's page answers the customer although the notification job cannot be queued.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outcome = sandbox.pay_with_card(payment.provider_payment_id, "4111111111111111")
    assert (outcome, len(callbacks)) == ("succeeded", 1)
    assert Payment.objects.get(pk=payment.pk).status == Status.PENDING
    monkeypatch.undo()

    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=11)
    )
    poll_pending_payments.call_local()
    assert Payment.objects.get(pk=payment.pk).status == Status.SUCCEEDED
