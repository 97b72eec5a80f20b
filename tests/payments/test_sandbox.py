"""The sandbox bank end to end through the pages: cards that succeed, fail, or ask for 3-D Secure;
its call-back goes through the notification path, which re-reads the sandbox's own record."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from kabinet.billing.models import Account
from kabinet.payments.models import Payment, PaymentEvent, SandboxPayment
from kabinet.payments.providers.sandbox import notification_body, sign
from tests.payments.conftest import form, url

pytestmark = pytest.mark.django_db


def start(client: Client, account: Account) -> tuple[Payment, str]:
    response = client.post(url(account), form(account))
    payment = Payment.objects.get()
    return payment, response["Location"]


def test_a_success_card_pays_and_sends_one_confirmation(
    client_in: Client, account: Account
) -> None:
    payment, bank = start(client_in, account)
    assert "2\u00a0097,04" in client_in.get(bank).content.decode()

    back = client_in.post(bank, {"card_number": "4111 1111 1111 1111", "action": "pay"})

    assert back["Location"].endswith(reverse("payments:return", args=[payment.pk]))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.paid_at is not None
    assert "Успешно проведена оплата" in client_in.get(back["Location"]).content.decode()
    assert [m.to for m in mail.outbox] == [["payer@example.ru"]]
    assert "2 097,04" in mail.outbox[0].subject
    assert payment.events.filter(kind=PaymentEvent.Kind.NOTIFICATION).count() == 1


def test_a_declined_card_cancels_with_the_reason(client_in: Client, account: Account) -> None:
    payment, bank = start(client_in, account)

    back = client_in.post(bank, {"card_number": "4000000000000002", "action": "pay"})

    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELED
    assert payment.failure_code == "card_declined"
    html = client_in.get(back["Location"]).content.decode()
    assert "Оплата не прошла" in html
    assert "Банк отклонил операцию" in html
    assert not mail.outbox


def test_3d_secure_with_the_right_code_pays(client_in: Client, account: Account) -> None:
    payment, bank = start(client_in, account)

    asked = client_in.post(bank, {"card_number": "4000 0000 0000 3220", "action": "pay"})
    assert asked["Location"].endswith("/3ds/")
    assert Payment.objects.get().status == Payment.Status.PENDING  # nothing moves before the code
    client_in.post(asked["Location"], {"code": "123456"})

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


def test_3d_secure_with_a_wrong_code_fails(client_in: Client, account: Account) -> None:
    payment, bank = start(client_in, account)

    asked = client_in.post(bank, {"card_number": "4000000000003220", "action": "pay"})
    client_in.post(asked["Location"], {"code": "000000"})

    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == (Payment.Status.CANCELED, "3d_secure_failed")


def test_an_unknown_card_is_refused_on_the_bank_page(client_in: Client, account: Account) -> None:
    _, bank = start(client_in, account)

    response = client_in.post(bank, {"card_number": "1234", "action": "pay"})

    assert response.status_code == 400
    assert "Неизвестная тестовая карта" in response.content.decode()
    assert Payment.objects.get().status == Payment.Status.PENDING


def test_cancel_on_the_bank_page(client_in: Client, account: Account) -> None:
    payment, bank = start(client_in, account)

    client_in.post(bank, {"action": "cancel"})

    payment.refresh_from_db()
    assert (payment.status, payment.failure_message) == (
        Payment.Status.CANCELED,
        "Оплата отменена.",
    )


def test_the_return_page_ignores_a_status_in_its_query_string(
    client_in: Client, account: Account
) -> None:
    payment, _ = start(client_in, account)

    html = client_in.get(
        reverse("payments:return", args=[payment.pk]) + "?status=succeeded"
    ).content.decode()

    assert "Успешно проведена оплата" not in html
    assert "Ожидаем подтверждения" in html
    assert 'http-equiv="refresh"' in html
    assert Payment.objects.get().status == Payment.Status.PENDING


def test_a_forged_sandbox_notification_is_refused(client: Client, account: Account) -> None:
    payment, _ = start(_logged_in(client, account), account)
    body = notification_body(payment.provider_payment_id, "payment.succeeded")

    response = client.post(
        reverse("payments:notify_sandbox"),
        body,
        content_type="application/json",
        HTTP_X_SANDBOX_SIGNATURE="0" * 64,
    )

    assert response.status_code == 403
    assert Payment.objects.get().status == Payment.Status.PENDING


def test_a_signed_notification_never_credits_what_the_bank_did_not_confirm(
    client: Client, account: Account
) -> None:
    payment, _ = start(_logged_in(client, account), account)
    body = notification_body(payment.provider_payment_id, "payment.succeeded")

    response = client.post(
        reverse("payments:notify_sandbox"),
        body,
        content_type="application/json",
        HTTP_X_SANDBOX_SIGNATURE=sign(body),
    )

    # The body claims success; the sandbox's own record says pending, and that is what counts.
    assert response.status_code == 200
    assert Payment.objects.get().status == Payment.Status.PENDING


def test_a_notification_for_an_unknown_payment_is_a_safe_no_op(client: Client) -> None:
    body = notification_body("sb-no-such-payment", "payment.succeeded")

    response = client.post(
        reverse("payments:notify_sandbox"),
        body,
        content_type="application/json",
        HTTP_X_SANDBOX_SIGNATURE=sign(body),
    )

    assert response.status_code == 200
    assert not Payment.objects.exists()


def test_the_sandbox_is_off_outside_debug(
    client: Client, account: Account, settings: object
) -> None:
    record = SandboxPayment.objects.create(
        token="sb-x", idempotency_key="k", amount=1, return_url="/"
    )
    settings.PAYMENT_SANDBOX_ENABLED = False  # type: ignore[attr-defined]

    assert client.get(reverse("payments:sandbox_pay", args=[record.token])).status_code == 404
    assert (
        client.post(
            reverse("payments:notify_sandbox"), b"{}", content_type="application/json"
        ).status_code
        == 404
    )


def _logged_in(client: Client, account: Account) -> Client:
    client.force_login(account.links.get().user)
    return client
