"""54-FZ receipts (ФФД 1.2) sent to the fake YooKassa: per-supplier VAT and agent data, measure,
advance payments, refund receipts. Every test asserts the exact request body."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from kabinet.billing.models import Account, Supplier
from kabinet.payments import services
from kabinet.payments.models import Payment
from tests.payments.conftest import FakeYooKassa, form, keys, url

pytestmark = pytest.mark.django_db

ENERGY_NAME = "АО «Тамбовская энергосбытовая компания»"
HOUSING_NAME = "ООО «УК Жилсервис | Центр»"


@pytest.fixture
def receipt_settings(energy: Supplier, housing: Supplier) -> None:
    """ТЭСК owns the YooKassa shop and pays VAT at 22 %; the УК is on the simplified regime
    and is paid through ТЭСК as a payment agent."""
    energy.receipt_is_merchant = True
    energy.receipt_vat_code = Supplier.VatCode.VAT_22
    energy.save()
    housing.phone = "+7 (4752) 55-66-77, доб. 3"
    housing.receipt_vat_code = Supplier.VatCode.NO_VAT
    housing.receipt_agent_type = Supplier.AgentType.PAYMENT_AGENT
    housing.save()


def amounts(account: Account, electricity: str, maintenance: str, penalty: str) -> dict[str, str]:
    titles = keys(account)
    return {
        f"amount-{titles['Электроснабжение']}": electricity,
        f"amount-{titles['Содержание жилого помещения']}": maintenance,
        f"amount-{titles['Пени']}": penalty,
    }


def item(description: str, value: str, vat_code: int, mode: str, **agent: Any) -> dict[str, Any]:
    return {
        "description": description,
        "quantity": "1.00",
        "measure": "piece",
        "amount": {"value": value, "currency": "RUB"},
        "vat_code": vat_code,
        "payment_mode": mode,
        "payment_subject": "service",
        **agent,
    }


def housing_agent() -> dict[str, Any]:
    return {
        "agent_type": "payment_agent",
        "supplier": {"name": HOUSING_NAME, "inn": "6829123456", "phone": "74752556677"},
    }


def paid(
    client: Client, client_in: Client, account: Account, fake: FakeYooKassa, **data: str
) -> Payment:
    from tests.payments.test_yookassa import notify

    client_in.post(url(account), form(account, **data))
    payment = Payment.objects.get()
    fake.set_status(payment.provider_payment_id, "succeeded")
    notify(client, payment.provider_payment_id)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    return payment


def test_each_item_carries_its_suppliers_vat_and_agent_data_and_the_merchant_is_no_agent(
    client_in: Client, account: Account, fake_yookassa: FakeYooKassa, receipt_settings: None
) -> None:
    client_in.post(url(account), form(account))

    (body,) = fake_yookassa.posted_payments()
    assert body["receipt"] == {
        "customer": {"email": "payer@example.ru"},
        "items": [
            item(f"Электроснабжение, ЛС {account}", "684.70", 11, "full_payment"),
            item(
                f"Содержание жилого помещения, ЛС {account}",
                "1400.00",
                1,
                "full_payment",
                **housing_agent(),
            ),
            item(f"Пени, ЛС {account}", "12.34", 1, "full_payment", **housing_agent()),
        ],
    }


def test_paying_more_than_owed_sends_the_excess_as_a_prepayment_item(
    client_in: Client, account: Account, fake_yookassa: FakeYooKassa, receipt_settings: None
) -> None:
    client_in.post(url(account), form(account, **amounts(account, "1000,00", "1400,00", "")))

    (body,) = fake_yookassa.posted_payments()
    assert body["amount"] == {"value": "2400.00", "currency": "RUB"}
    assert [
        (i["description"].split(",")[0], i["amount"]["value"], i["payment_mode"])
        for i in body["receipt"]["items"]
    ] == [
        ("Электроснабжение", "684.70", "full_payment"),
        ("Электроснабжение", "315.30", "full_prepayment"),
        ("Содержание жилого помещения", "1400.00", "full_payment"),
    ]
    total = sum(Decimal(i["amount"]["value"]) for i in body["receipt"]["items"])
    assert total == Decimal(body["amount"]["value"])


def test_paying_with_nothing_owed_is_a_prepayment(
    client_in: Client, account: Account, fake_yookassa: FakeYooKassa, receipt_settings: None
) -> None:
    account.charges.filter(service__name="Электроснабжение").update(total=Decimal("-50.00"))

    client_in.post(url(account), form(account, **amounts(account, "500,00", "", "")))

    (body,) = fake_yookassa.posted_payments()
    assert body["receipt"]["items"] == [
        item(f"Электроснабжение, ЛС {account}", "500.00", 11, "full_prepayment")
    ]


def test_a_receipt_keeps_the_settings_the_payment_was_made_under(
    client: Client,
    client_in: Client,
    account: Account,
    fake_yookassa: FakeYooKassa,
    receipt_settings: None,
    housing: Supplier,
) -> None:
    payment = paid(client, client_in, account, fake_yookassa)
    housing.receipt_vat_code = Supplier.VatCode.VAT_22
    housing.save()

    services.refund_payment(payment_id=payment.pk, recipient_id=housing.pk)

    ((_key, body),) = fake_yookassa.posted_refunds()
    assert {i["vat_code"] for i in body["receipt"]["items"]} == {1}


def test_a_partial_refund_sends_a_refund_receipt_of_the_parts_it_takes_back(
    client: Client,
    client_in: Client,
    account: Account,
    fake_yookassa: FakeYooKassa,
    receipt_settings: None,
) -> None:
    payment = paid(client, client_in, account, fake_yookassa)

    services.refund_payment(payment_id=payment.pk, amount=Decimal("100.00"))

    ((key, body),) = fake_yookassa.posted_refunds()
    refund = payment.refunds.get()
    assert key == f"{payment.idempotency_key}-refund-{refund.pk}"
    # 100.00 in proportion to 684.70 / 1400.00 / 12.34; the kopeck left goes to the share
    # that lost the most in rounding.
    assert body == {
        "payment_id": payment.provider_payment_id,
        "amount": {"value": "100.00", "currency": "RUB"},
        "receipt": {
            "customer": {"email": "payer@example.ru"},
            "items": [
                item(f"Электроснабжение, ЛС {account}", "32.65", 11, "full_payment"),
                item(
                    f"Содержание жилого помещения, ЛС {account}",
                    "66.76",
                    1,
                    "full_payment",
                    **housing_agent(),
                ),
                item(f"Пени, ЛС {account}", "0.59", 1, "full_payment", **housing_agent()),
            ],
        },
    }


def test_a_refund_takes_back_the_advance_first(
    client: Client,
    client_in: Client,
    account: Account,
    fake_yookassa: FakeYooKassa,
    receipt_settings: None,
    energy: Supplier,
) -> None:
    payment = paid(client, client_in, account, fake_yookassa, **amounts(account, "700,00", "", ""))

    services.refund_payment(payment_id=payment.pk, amount=Decimal("10.00"))
    services.refund_payment(payment_id=payment.pk, amount=Decimal("10.00"))

    receipts = [body["receipt"]["items"] for _key, body in fake_yookassa.posted_refunds()]
    assert [[(i["amount"]["value"], i["payment_mode"]) for i in items] for items in receipts] == [
        [("10.00", "full_prepayment")],
        [("4.70", "full_payment"), ("5.30", "full_prepayment")],
    ]


def test_a_payment_without_a_receipt_snapshot_uses_the_suppliers_current_settings(
    client_in: Client, account: Account, fake_yookassa: FakeYooKassa, receipt_settings: None
) -> None:
    client_in.post(url(account), form(account))
    payment = Payment.objects.get()
    # A payment started before receipts were per supplier kept only the bill line.
    for line in payment.lines or []:
        for name in ("vat_code", "agent_type", "supplier_phone", "supplier_full_name"):
            line.pop(name)

    items = services.receipt_items(payment)

    assert [(i.vat_code, i.agent_type, i.supplier_phone) for i in items] == [
        (11, "", ""),
        (1, "payment_agent", "74752556677"),
        (1, "payment_agent", "74752556677"),
    ]
