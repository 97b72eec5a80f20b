"""Refunds are records of their own: amount, time, parts per bill line that add up exactly."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.billing.models import Account, Supplier
from kabinet.core.models import AuditEntry
from kabinet.payments import services
from kabinet.payments.models import Payment, Refund, SandboxPayment
from kabinet.payments.providers import ProviderStatus
from tests.factories import make_account, make_supplier
from tests.payments.conftest import FakeYooKassa
from tests.payments.test_receipts import paid
from tests.payments.test_yookassa import NOTIFY

pytestmark = pytest.mark.django_db

Status = Payment.Status
_tokens = itertools.count(1)


def sandbox_payment(account: Account, splits: list[tuple[Supplier, Decimal]]) -> Payment:
    """A portal payment the sandbox bank took, split over ``splits`` as bill lines."""
    from tests.factories import make_payment

    token = f"sb-test-{next(_tokens)}"
    key = uuid.uuid4()
    amount = sum((part for _s, part in splits), Decimal("0.00"))
    SandboxPayment.objects.create(
        token=token,
        idempotency_key=str(key),
        amount=amount,
        return_url="/",
        status=SandboxPayment.Status.SUCCEEDED,
    )
    return make_payment(
        account,
        splits=splits,
        amount=amount,
        provider="sandbox",
        provider_payment_id=token,
        idempotency_key=key,
        external_id="",
    )


def parts_of(refund: Refund) -> list[tuple[str, Decimal]]:
    return [
        (part.payment_split.supplier.short_name, part.amount)
        for part in refund.splits.select_related("payment_split__supplier").order_by(
            "payment_split_id"
        )
    ]


def test_a_partial_refund_is_recorded_with_its_time_and_leaves_the_payment_succeeded(
    client: Client, client_in: Client, account: Account, fake_yookassa: FakeYooKassa
) -> None:
    payment = paid(client, client_in, account, fake_yookassa)
    before = dt.datetime.now(dt.UTC)

    services.refund_payment(payment_id=payment.pk, amount=Decimal("100.00"))

    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (Status.SUCCEEDED, Decimal("100.00"))
    refund = payment.refunds.get()
    assert (refund.status, refund.origin, refund.amount) == ("succeeded", "staff", Decimal("100"))
    assert refund.refunded_at is not None
    assert refund.refunded_at >= before
    assert refund.provider_refund_id.startswith("rf-")
    assert parts_of(refund) == [
        ("ТЭСК", Decimal("32.65")),
        ("УК Жилсервис", Decimal("66.76")),
        ("УК Жилсервис", Decimal("0.59")),
    ]
    entry = AuditEntry.objects.get(action="payments.refund_issued")
    assert entry.data["amount"] == "100.00"


def test_a_refund_of_one_recipient_takes_only_its_lines(
    client: Client,
    client_in: Client,
    account: Account,
    fake_yookassa: FakeYooKassa,
    housing: Supplier,
) -> None:
    payment = paid(client, client_in, account, fake_yookassa)

    services.refund_payment(payment_id=payment.pk, recipient_id=housing.pk)

    refund = payment.refunds.get()
    assert refund.amount == Decimal("1412.34")
    assert parts_of(refund) == [
        ("УК Жилсервис", Decimal("1400.00")),
        ("УК Жилсервис", Decimal("12.34")),
    ]
    with pytest.raises(services.PaymentError) as refused:
        services.refund_payment(payment_id=payment.pk, recipient_id=housing.pk)
    assert refused.value.fields == {"amount": ["Эта часть платежа уже возвращена."]}


def test_the_last_refund_takes_exactly_what_is_left_of_every_line(
    client: Client, client_in: Client, account: Account, fake_yookassa: FakeYooKassa
) -> None:
    payment = paid(client, client_in, account, fake_yookassa)
    services.refund_payment(payment_id=payment.pk, amount=Decimal("100.00"))

    services.refund_payment(payment_id=payment.pk)

    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (Status.REFUNDED, payment.amount)
    for split in payment.splits.all():
        assert split.refund_splits.aggregate(total=Sum("amount"))["total"] == split.amount
    last = payment.refunds.order_by("pk").last()
    assert last is not None
    assert last.amount == Decimal("1997.04")


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1"), Decimal("2097.05")])
def test_an_amount_beyond_what_is_left_is_refused_before_the_bank_is_asked(
    client: Client,
    client_in: Client,
    account: Account,
    fake_yookassa: FakeYooKassa,
    amount: Decimal,
) -> None:
    payment = paid(client, client_in, account, fake_yookassa)

    with pytest.raises(services.PaymentError) as refused:
        services.refund_payment(payment_id=payment.pk, amount=amount)

    assert refused.value.code == "invalid"
    assert refused.value.fields == {"amount": ["Укажите сумму от 0,01 до 2\u00a0097,04 ₽."]}
    assert not fake_yookassa.posted_refunds()
    assert not Refund.objects.exists()


def test_a_bank_that_does_not_answer_leaves_the_refund_pending_and_a_retry_refunds_once(
    client: Client, client_in: Client, account: Account, fake_yookassa: FakeYooKassa
) -> None:
    payment = paid(client, client_in, account, fake_yookassa)
    fake_yookassa.mode = "500"

    with pytest.raises(services.PaymentError) as refused:
        services.refund_payment(payment_id=payment.pk, amount=Decimal("50.00"))
    assert refused.value.code == "provider_unavailable"
    assert payment.refunds.get().status == Refund.Status.PENDING
    with pytest.raises(services.PaymentError) as conflict:
        services.refund_payment(payment_id=payment.pk, amount=Decimal("60.00"))
    assert conflict.value.code == "conflict"

    fake_yookassa.mode = "ok"
    services.refund_payment(payment_id=payment.pk, amount=Decimal("50.00"))

    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("50.00")
    keys = {key for key, _body in fake_yookassa.posted_refunds()}
    assert len(keys) == 1
    assert len(fake_yookassa.refunds_by_key) == 1
    assert payment.refunds.get().status == Refund.Status.SUCCEEDED


def test_a_refund_the_bank_refuses_is_canceled_and_refunds_nothing(
    client: Client, client_in: Client, account: Account, fake_yookassa: FakeYooKassa
) -> None:
    payment = paid(client, client_in, account, fake_yookassa)
    fake_yookassa.payments[payment.provider_payment_id]["status"] = "canceled"

    with pytest.raises(services.PaymentError) as refused:
        services.refund_payment(payment_id=payment.pk, amount=Decimal("50.00"))

    assert refused.value.code == "provider_error"
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("0.00")
    assert payment.refunds.get().status == Refund.Status.CANCELED


def test_a_refund_pending_at_the_bank_is_booked_when_its_notification_comes(
    client: Client, client_in: Client, account: Account, fake_yookassa: FakeYooKassa
) -> None:
    payment = paid(client, client_in, account, fake_yookassa)
    fake_yookassa.refund_status = "pending"
    services.refund_payment(payment_id=payment.pk, amount=Decimal("30.00"))
    refund = payment.refunds.get()
    assert (refund.status, refund.refunded_at) == (Refund.Status.PENDING, None)

    fake_yookassa.finish_refund(refund.provider_refund_id)
    body = {
        "type": "notification",
        "event": "refund.succeeded",
        "object": {"id": refund.provider_refund_id, "payment_id": payment.provider_payment_id},
    }
    for _twice in range(2):
        answer = client.post(NOTIFY, json.dumps(body), content_type="application/json")
        assert answer.status_code == 200

    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.refunded_at is not None
    assert payment.refunded_amount == Decimal("30.00")
    assert payment.refunds.count() == 1


def test_a_refund_made_in_the_acquirers_back_office_gets_a_record_split_over_the_lines(
    client: Client, client_in: Client, account: Account, fake_yookassa: FakeYooKassa
) -> None:
    payment = paid(client, client_in, account, fake_yookassa)

    services.apply_provider_status(
        payment_id=payment.pk,
        status=ProviderStatus(
            provider_id=payment.provider_payment_id,
            status="succeeded",
            amount=payment.amount,
            raw_status="succeeded",
            refunded_amount=Decimal("209.70"),
        ),
        kind="notification",
    )

    refund = payment.refunds.get()
    assert (refund.origin, refund.status, refund.amount) == (
        "acquirer",
        "succeeded",
        Decimal("209.70"),
    )
    assert sum(amount for _name, amount in parts_of(refund)) == Decimal("209.70")
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (Status.SUCCEEDED, Decimal("209.70"))


def test_the_daily_reconciliation_finds_a_back_office_refund(
    client: Client, client_in: Client, account: Account, fake_yookassa: FakeYooKassa
) -> None:
    payment = paid(client, client_in, account, fake_yookassa)
    fake_yookassa.payments[payment.provider_payment_id]["refunded_amount"] = {
        "value": "10.00",
        "currency": "RUB",
    }

    counts = services.reconcile_day(payment.created_at.astimezone().date())

    assert counts["fixed"] == 1
    assert payment.refunds.get().amount == Decimal("10.00")


REFUND_AMOUNTS = st.lists(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500.00"), places=2),
    min_size=1,
    max_size=5,
)
LINES = st.lists(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("3000.00"), places=2),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=LINES, amounts=REFUND_AMOUNTS)
def test_the_parts_of_every_refund_add_up_to_it_and_never_exceed_a_line(
    lines: list[Decimal], amounts: list[Decimal]
) -> None:
    suppliers = [make_supplier() for _line in lines]
    payment = sandbox_payment(make_account(suppliers[0]), list(zip(suppliers, lines, strict=True)))

    for amount in amounts:
        left = payment.amount - Payment.objects.get(pk=payment.pk).refunded_amount
        if amount > left:
            break
        services.refund_payment(payment_id=payment.pk, amount=amount)
    services_left = Payment.objects.get(pk=payment.pk)
    if services_left.status == Status.SUCCEEDED:
        services.refund_payment(payment_id=payment.pk)  # and then everything that is left

    for refund in payment.refunds.all():
        assert refund.splits.aggregate(total=Sum("amount"))["total"] == refund.amount
    for split in payment.splits.all():
        assert split.refund_splits.aggregate(total=Sum("amount"))["total"] == split.amount
    assert Payment.objects.get(pk=payment.pk).status == Status.REFUNDED
