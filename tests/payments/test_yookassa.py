"""YooKassa against a fake server on 127.0.0.1 that follows its documented API."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from kabinet.billing.models import Account
from kabinet.core.models import AuditEntry
from kabinet.payments import services
from kabinet.payments.models import Payment, PaymentEvent
from tests.payments.conftest import SECRET, SHOP_ID, FakeYooKassa, form, url

pytestmark = pytest.mark.django_db

NOTIFY = "/payments/notify/yookassa/"


def notify(client: Client, provider_id: str, event: str = "payment.succeeded", **extra: Any) -> Any:
    body = {
        "type": "notification",
        "event": event,
        "object": {"id": provider_id, "status": "succeeded"},
    }
    return client.post(NOTIFY, json.dumps(body), content_type="application/json", **extra)


def test_it_starts_a_payment_with_idempotence_key_redirect_and_a_receipt_per_supplier_line(
    client_in: Client, account: Account, fake_yookassa: FakeYooKassa
) -> None:
    response = client_in.post(url(account), form(account))

    payment = Payment.objects.get()
    method, path, headers, body = fake_yookassa.requests[0]
    assert (method, path) == ("POST", "/v3/payments")
    assert headers["Idempotence-Key"] == str(payment.idempotency_key)
    assert (
        headers["Authorization"]
        == "Basic " + base64.b64encode(f"{SHOP_ID}:{SECRET}".encode()).decode()
    )
    assert body["amount"] == {"value": "2097.04", "currency": "RUB"}
    assert body["capture"] is True
    assert body["confirmation"] == {
        "type": "redirect",
        "return_url": f"http://testserver/payments/{payment.pk}/return/",
    }
    assert body["receipt"]["customer"] == {"email": "payer@example.ru"}
    items = body["receipt"]["items"]
    assert [(i["amount"]["value"], i["supplier"]["inn"]) for i in items] == [
        ("684.70", "6829012680"),
        ("1400.00", "6829123456"),
        ("12.34", "6829123456"),
    ]
    assert {
        (i["agent_type"], i["payment_mode"], i["payment_subject"], i["vat_code"]) for i in items
    } == {("payment_agent", "full_payment", "service", 1)}
    assert items[0]["supplier"]["name"] == "АО «Тамбовская энергосбытовая компания»"
    assert response["Location"] == f"{fake_yookassa.url}/checkout/{payment.provider_payment_id}"
    assert (payment.provider, payment.status) == ("yookassa", Payment.Status.PENDING)
    rows = AuditEntry.objects.order_by("pk").values_list("action", "object_type", "object_id")
    assert list(rows) == [("payments.payment_started", "payments.Payment", str(payment.pk))]


@pytest.mark.parametrize("mode", ["timeout", "500"])
def test_a_bank_that_times_out_or_fails_charges_nothing_twice(
    client_in: Client, account: Account, fake_yookassa: FakeYooKassa, mode: str
) -> None:
    fake_yookassa.mode = mode
    data = form(account)

    refused = client_in.post(url(account), data)

    assert refused.status_code == 503
    assert "Банк не ответил" in refused.content.decode()
    assert Payment.objects.get().status == Payment.Status.CREATED

    fake_yookassa.mode = "ok"
    client_in.post(url(account), data)
    client_in.post(url(account), data)

    payment = Payment.objects.get()
    assert payment.status == Payment.Status.PENDING
    keys_sent = {h["Idempotence-Key"] for m, _, h, _ in fake_yookassa.requests if m == "POST"}
    assert keys_sent == {str(payment.idempotency_key)}
    assert len(fake_yookassa.payments) == 1


def test_a_notification_is_re_read_from_the_api_before_anything_moves(
    client: Client, client_in: Client, account: Account, fake_yookassa: FakeYooKassa
) -> None:
    client_in.post(url(account), form(account))
    payment = Payment.objects.get()

    # The body says succeeded; YooKassa, asked, says pending: nothing moves.
    assert notify(client, payment.provider_payment_id).status_code == 200
    assert Payment.objects.get().status == Payment.Status.PENDING
    assert ("GET", f"/v3/payments/{payment.provider_payment_id}") in [
        (m, p) for m, p, _, _ in fake_yookassa.requests
    ]

    fake_yookassa.set_status(payment.provider_payment_id, "succeeded")
    for _ in range(3):
        notify(client, payment.provider_payment_id)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert len(mail.outbox) == 1
    assert payment.events.filter(kind=PaymentEvent.Kind.NOTIFICATION).count() == 4


def test_a_cancellation_keeps_the_banks_reason(
    client: Client, client_in: Client, account: Account, fake_yookassa: FakeYooKassa
) -> None:
    client_in.post(url(account), form(account))
    payment = Payment.objects.get()
    fake_yookassa.set_status(
        payment.provider_payment_id,
        "canceled",
        cancellation_details={"party": "payment_network", "reason": "insufficient_funds"},
    )

    notify(client, payment.provider_payment_id, "payment.canceled")

    payment.refresh_from_db()
    assert (payment.status, payment.failure_message) == (
        Payment.Status.CANCELED,
        "Недостаточно средств на карте.",
    )


def test_notifications_from_outside_yookassas_networks_are_refused(
    client: Client, client_in: Client, account: Account, fake_yookassa: FakeYooKassa
) -> None:
    client_in.post(url(account), form(account))
    payment = Payment.objects.get()
    fake_yookassa.set_status(payment.provider_payment_id, "succeeded")

    response = notify(client, payment.provider_payment_id, REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 403
    assert Payment.objects.get().status == Payment.Status.PENDING


def test_the_default_networks_are_yookassas_published_ones(settings: Any) -> None:
    from kabinet import settings as project_settings
    from kabinet.payments.views import ip_in_networks

    assert ip_in_networks("185.71.76.5", project_settings.YOOKASSA_NOTIFY_NETWORKS)
    assert ip_in_networks("77.75.156.11", project_settings.YOOKASSA_NOTIFY_NETWORKS)
    assert not ip_in_networks("127.0.0.1", project_settings.YOOKASSA_NOTIFY_NETWORKS)
    assert not ip_in_networks("not-an-ip", project_settings.YOOKASSA_NOTIFY_NETWORKS)


def test_a_notification_for_an_unknown_payment_changes_nothing(
    client: Client, fake_yookassa: FakeYooKassa
) -> None:
    assert notify(client, "2f000000-000f-5000-8000-000000000000").status_code == 200
    assert notify(client, "").status_code == 400
    assert client.post(NOTIFY, b"not json", content_type="application/json").status_code == 400


def test_yookassa_down_makes_the_notification_retry(
    client: Client, client_in: Client, account: Account, fake_yookassa: FakeYooKassa
) -> None:
    client_in.post(url(account), form(account))
    payment = Payment.objects.get()
    fake_yookassa.mode = "500"

    assert notify(client, payment.provider_payment_id).status_code == 503
    assert Payment.objects.get().status == Payment.Status.PENDING


def test_a_success_for_another_amount_is_never_credited(
    client: Client, client_in: Client, account: Account, fake_yookassa: FakeYooKassa
) -> None:
    client_in.post(url(account), form(account))
    payment = Payment.objects.get()
    fake_yookassa.set_status(
        payment.provider_payment_id, "succeeded", amount={"value": "1.00", "currency": "RUB"}
    )

    notify(client, payment.provider_payment_id)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert payment.events.filter(kind=PaymentEvent.Kind.ERROR, note__startswith="amount").exists()
    assert not mail.outbox


def test_a_refund_returns_the_money_once(
    client: Client, client_in: Client, account: Account, fake_yookassa: FakeYooKassa
) -> None:
    client_in.post(url(account), form(account))
    payment = Payment.objects.get()
    fake_yookassa.set_status(payment.provider_payment_id, "succeeded")
    notify(client, payment.provider_payment_id)

    services.refund_payment(payment_id=payment.pk)
    with pytest.raises(services.PaymentError):
        services.refund_payment(payment_id=payment.pk)

    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (
        Payment.Status.REFUNDED,
        Decimal("2097.04"),
    )
    assert len(fake_yookassa.refunds_by_key) == 1
    assert (
        fake_yookassa.payments[payment.provider_payment_id]["refunded_amount"]["value"] == "2097.04"
    )
    refunds = AuditEntry.objects.filter(action="payments.refund_issued")
    assert [(e.object_id, e.data["amount"]) for e in refunds] == [(str(payment.pk), "2097.04")]


def test_the_return_page_of_another_users_payment_is_404(
    client_in: Client, account: Account, fake_yookassa: FakeYooKassa
) -> None:
    from tests.factories import make_customer

    client_in.post(url(account), form(account))
    payment = Payment.objects.get()
    client_in.force_login(make_customer())

    assert client_in.get(reverse("payments:return", args=[payment.pk])).status_code == 404
    assert client_in.post(reverse("payments:retry", args=[payment.pk])).status_code == 404
