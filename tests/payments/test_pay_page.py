"""The payment page: amounts per line, minimums, receipt contact, consent, and no double payment."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from kabinet.billing.models import Account, Supplier
from kabinet.identity.models import User
from kabinet.payments.models import Payment, PaymentEvent
from tests.payments.conftest import form, keys, url

pytestmark = pytest.mark.django_db


def test_it_prefills_the_due_amounts_shows_penalties_apart_and_the_profile_email(
    client_in: Client, account: Account
) -> None:
    html = client_in.get(url(account)).content.decode()

    assert 'value="684,70"' in html
    assert 'value="1400,00"' in html
    # The penalty line is labelled once by its service's name, not «Пени: Пени».
    assert "Пени: Пени" not in html
    assert re.search(r"<label[^>]*>Пени</label>", html)
    assert 'data-testid="penalties">12,34\u00a0₽' in html
    assert 'value="payer@example.ru"' in html
    assert "Я согласен с" in html
    assert "2\u00a0097,04" in html


def test_paying_two_lines_redirects_to_the_bank_and_keeps_a_snapshot_of_the_lines(
    client_in: Client, account: Account, energy: Supplier, housing: Supplier, customer: User
) -> None:
    line = keys(account)
    data = form(account, **{f"amount-{line['Пени']}": "0"})

    response = client_in.post(url(account), data)

    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == payment.confirmation_url
    assert payment.status == Payment.Status.PENDING
    assert payment.provider == "sandbox"
    assert payment.amount == Decimal("2084.70")
    assert payment.user == customer
    assert payment.receipt_email == "payer@example.ru"
    assert str(payment.idempotency_key) == data["idempotency_key"]
    assert sorted((s.supplier.short_name, s.amount) for s in payment.splits.all()) == [
        ("ТЭСК", Decimal("684.70")),
        ("УК Жилсервис", Decimal("1400.00")),
    ]
    assert [(ln["service"], ln["due"], ln["amount"]) for ln in payment.lines or []] == [
        ("Электроснабжение", "684.70", "684.70"),
        ("Содержание жилого помещения", "1400.00", "1400.00"),
    ]


def test_a_double_click_on_pay_makes_one_payment(client_in: Client, account: Account) -> None:
    data = form(account)

    first = client_in.post(url(account), data)
    second = client_in.post(url(account), data)

    assert Payment.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "Сумма не может быть отрицательной."),
        ("abc", "Введите сумму в рублях, например 1 545,13."),
        ("10,123", "Не больше двух знаков после запятой."),
        ("49,99", "Минимальная сумма платежа — не менее 50,00 ₽."),
    ],
)
def test_it_refuses_a_bad_amount_with_its_message_and_saves_nothing(
    client_in: Client, account: Account, typed: str, message: str
) -> None:
    line = keys(account)["Электроснабжение"]

    response = client_in.post(url(account), form(account, **{f"amount-{line}": typed}))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12 34", "Введите сумму в рублях, например 1 545,13."),
        ("1,545.13", "Введите сумму в рублях, например 1 545,13."),
        ("1000000,01", "Сумма должна быть не больше 1\u00a0000\u00a0000,00\u00a0₽."),
    ],
)
def test_the_message_is_next_to_the_field_and_what_was_typed_stays(
    client_in: Client, account: Account, typed: str, message: str
) -> None:
    line = keys(account)["Электроснабжение"]
    field = f"amount-{line}"

    response = client_in.post(
        url(account), form(account, receipt_email="other@example.ru", **{field: typed})
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert f'name="{field}" value="{typed}"' in html
    assert f'<div class="invalid-feedback" id="{field}-error">{message}</div>' in html
    assert 'value="other@example.ru"' in html
    assert 'id="agree" checked' in html
    assert not Payment.objects.exists()


def test_amounts_are_read_with_spaces_and_the_ruble_sign(
    client_in: Client, account: Account
) -> None:
    line = keys(account)
    data = form(
        account,
        **{
            f"amount-{line['Электроснабжение']}": "1\u00a0684,70 ₽",
            f"amount-{line['Содержание жилого помещения']}": "1 400.00",
            f"amount-{line['Пени']}": "",
        },
    )

    response = client_in.post(url(account), data)

    assert response.status_code == 302
    assert Payment.objects.get().amount == Decimal("3084.70")


def test_a_line_the_bill_no_longer_has_asks_to_check_and_pay_again(
    client_in: Client, account: Account
) -> None:
    response = client_in.post(url(account), form(account, **{"amount-999-999": "100"}))

    assert response.status_code == 400
    assert "Квитанция обновилась: проверьте суммы и оплатите снова." in response.content.decode()
    assert not Payment.objects.exists()


def test_it_refuses_a_total_of_zero(client_in: Client, account: Account) -> None:
    zeros = {f"amount-{key}": "0" for key in keys(account).values()}

    response = client_in.post(url(account), form(account, **zeros))

    assert response.status_code == 400
    assert "Укажите сумму к оплате." in response.content.decode()
    assert not Payment.objects.exists()


def test_the_minimum_counts_per_supplier_over_its_lines(
    client_in: Client, account: Account
) -> None:
    line = keys(account)
    data = form(
        account,
        **{
            f"amount-{line['Электроснабжение']}": "0",
            f"amount-{line['Содержание жилого помещения']}": "40",
            f"amount-{line['Пени']}": "12,34",
        },
    )

    response = client_in.post(url(account), data)

    assert response.status_code == 302
    assert Payment.objects.get().amount == Decimal("52.34")


def test_it_requires_the_agreement_with_the_payment_rules(
    client_in: Client, account: Account
) -> None:
    data = form(account)
    del data["agree"]

    response = client_in.post(url(account), data)

    assert response.status_code == 400
    assert "Подтвердите согласие с правилами оплаты." in response.content.decode()
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"receipt_email": "not-an-email"}, "Укажите e-mail для чека"),
        ({"receipt_channel": "sms", "receipt_phone": "12"}, "Укажите номер телефона для чека"),
    ],
)
def test_it_needs_somewhere_to_send_the_receipt(
    client_in: Client, account: Account, overrides: dict[str, str], message: str
) -> None:
    response = client_in.post(url(account), form(account, **overrides))

    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_receipt_by_sms_is_kept_as_an_e164_number(client_in: Client, account: Account) -> None:
    client_in.post(
        url(account), form(account, receipt_channel="sms", receipt_phone="8 916 123-45-67")
    )

    payment = Payment.objects.get()
    assert (payment.receipt_phone, payment.receipt_email) == ("+79161234567", "")


def test_line_buttons_clear_restore_and_add_1000(client_in: Client, account: Account) -> None:
    line = keys(account)["Электроснабжение"]
    field = f"amount-{line}"

    cleared = client_in.post(url(account), form(account, action=f"clear:{line}"))
    restored = client_in.post(url(account), form(account, **{field: "5"}, action=f"restore:{line}"))
    added = client_in.post(url(account), form(account, action=f"add:{line}"))

    assert f'name="{field}" value="0,00"' in cleared.content.decode()
    assert f'name="{field}" value="684,70"' in restored.content.decode()
    assert f'name="{field}" value="1684,70"' in added.content.decode()
    assert not Payment.objects.exists()


def test_a_bank_that_times_out_leaves_a_payment_to_retry_with_the_same_key(
    client_in: Client, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kabinet.payments.providers import ProviderError
    from kabinet.payments.providers.sandbox import SandboxProvider

    real_start = SandboxProvider.start

    def timeout(self: SandboxProvider, request: Any) -> Any:
        raise ProviderError("timed out")

    monkeypatch.setattr(SandboxProvider, "start", timeout)
    data = form(account)
    refused = client_in.post(url(account), data)

    assert refused.status_code == 503
    assert "Банк не ответил" in refused.content.decode()
    assert data["idempotency_key"] in refused.content.decode()  # the retry sends the same key
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.CREATED
    assert payment.events.filter(kind=PaymentEvent.Kind.ERROR).exists()

    monkeypatch.setattr(SandboxProvider, "start", real_start)
    retried = client_in.post(url(account), data)

    payment.refresh_from_db()
    assert retried["Location"] == payment.confirmation_url
    assert payment.status == Payment.Status.PENDING
    assert Payment.objects.count() == 1


def test_a_key_of_another_users_payment_starts_nothing(client_in: Client, account: Account) -> None:
    client_in.post(url(account), form(account, idempotency_key="not-a-uuid"))

    assert not Payment.objects.exists()


def test_the_suppliers_bank_commission_is_told_before_paying(
    client_in: Client, account: Account, energy: Supplier
) -> None:
    """Seed 002: «Оплата и комиссия за приём платежей определяется на основе договора…»."""
    assert 'data-testid="commission"' not in client_in.get(url(account)).content.decode()
    energy.payment_commission = "1 % от суммы платежа"
    energy.save()
    html = client_in.get(url(account)).content.decode()
    assert "Комиссия за приём платежа: 1 % от суммы платежа" in html
    lines = client_in.get(f"/api/v1/accounts/{account.pk}/payment-lines").json()
    assert {line["commission"] for line in lines["lines"] if line["supplier_id"] == energy.pk} == {
        "1 % от суммы платежа"
    }
