"""States move only forward under a row lock; replays and out-of-order statuses change nothing."""

from __future__ import annotations

import random
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from kabinet.billing.models import Account
from kabinet.messaging.models import OutgoingMessage
from kabinet.payments import services
from kabinet.payments.models import Payment, PaymentEvent, SandboxPayment
from kabinet.payments.providers import ProviderStatus
from kabinet.payments.providers.sandbox import notification_body
from tests.payments.conftest import form, url

Status = Payment.Status


def started(client_in: object, account: Account) -> Payment:
    client_in.post(url(account), form(account))  # type: ignore[attr-defined]
    return Payment.objects.get()


def status(payment: Payment, state: str) -> ProviderStatus:
    return ProviderStatus(
        provider_id=payment.provider_payment_id,
        status=state,  # type: ignore[arg-type]
        amount=payment.amount,
        raw_status=state,
    )


@pytest.mark.django_db
def test_replayed_and_out_of_order_statuses_give_one_success_and_one_confirmation(
    client_in: object, account: Account, django_capture_on_commit_callbacks: object
) -> None:
    payment = started(client_in, account)
    states = ["succeeded"] * 10 + ["pending"] * 6 + ["canceled"] * 4
    random.Random(7).shuffle(states)
    states.insert(0, "succeeded")  # whatever comes later, the first word was success

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        for state in states:
            services.apply_provider_status(
                payment_id=payment.pk, status=status(payment, state), kind="notification"
            )

    payment.refresh_from_db()
    assert payment.status == Status.SUCCEEDED
    assert OutgoingMessage.objects.filter(template="payment_succeeded").count() == 1
    changes = [e for e in payment.events.filter(kind="notification") if e.changed]
    assert len(changes) == 1


@pytest.mark.django_db
def test_a_canceled_payment_never_becomes_succeeded(client_in: object, account: Account) -> None:
    payment = started(client_in, account)

    services.apply_provider_status(
        payment_id=payment.pk, status=status(payment, "canceled"), kind="poll"
    )
    services.apply_provider_status(
        payment_id=payment.pk, status=status(payment, "succeeded"), kind="poll"
    )

    assert Payment.objects.get().status == Status.CANCELED


@pytest.mark.django_db
def test_a_refund_reported_by_the_acquirer_marks_the_payment_refunded(
    client_in: object, account: Account
) -> None:
    payment = started(client_in, account)
    services.apply_provider_status(
        payment_id=payment.pk, status=status(payment, "succeeded"), kind="poll"
    )

    refunded = ProviderStatus(
        provider_id=payment.provider_payment_id,
        status="succeeded",
        amount=payment.amount,
        refunded_amount=payment.amount,
    )
    services.apply_provider_status(payment_id=payment.pk, status=refunded, kind="notification")

    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (Status.REFUNDED, Decimal("2097.04"))


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks between connections need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_notifications_in_any_order_give_one_succeeded_payment(
    client_in: object, account: Account
) -> None:
    payment = started(client_in, account)
    SandboxPayment.objects.filter(token=payment.provider_payment_id).update(status="succeeded")
    events = ["payment.succeeded"] * 12 + ["payment.canceled"] * 4 + ["payment.pending"] * 4
    random.Random(20).shuffle(events)
    barrier = threading.Barrier(len(events))
    errors: list[BaseException] = []

    def deliver(event: str) -> None:
        try:
            barrier.wait()
            services.receive_notification(
                provider_name="sandbox", body=notification_body(payment.provider_payment_id, event)
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    payment.refresh_from_db()
    assert payment.status == Status.SUCCEEDED
    assert OutgoingMessage.objects.filter(template="payment_succeeded").count() == 1
    notifications = list(payment.events.filter(kind=PaymentEvent.Kind.NOTIFICATION))
    assert len(notifications) == 20
    assert [(e.status_before, e.status_after) for e in notifications if e.changed] == [
        (Status.PENDING, Status.SUCCEEDED)
    ]
