"""The Bank of Russia control key: a recipient's accounts must match its БИК, or no QR pays it."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from kabinet.billing import requisites
from kabinet.billing.models import Supplier
from kabinet.demo.reference import SUPPLIERS
from tests.factories import make_supplier


@pytest.mark.parametrize(
    ("bic", "account"),
    [
        # The worked examples of the Bank of Russia's «Порядок расчёта контрольного ключа» № 515.
        ("049805746", "40602810700000000025"),  # a client's account at a bank
        ("049805000", "40102810100000010001"),  # an account at an РКЦ: «0» + 5th–6th digits
        # Today's requisites: a bank, and a payment to the Treasury (ЕКС as the correspondent
        # account, a treasury account that carries no key).
        ("044525225", "40702810938000000001"),
        ("017003983", "03100643000000018500"),
    ],
)
def test_real_settlement_accounts_pass(bic: str, account: str) -> None:
    assert requisites.settlement_account_matches(bic, account)


@pytest.mark.parametrize(
    ("bic", "account"),
    [
        ("049805000", "30101810800000000746"),  # the document's correspondent account example
        ("044525225", "30101810400000000225"),  # ПАО Сбербанк
        ("017003983", "40102810445370000059"),  # a Treasury office's single treasury account
    ],
)
def test_real_correspondent_accounts_pass(bic: str, account: str) -> None:
    assert requisites.correspondent_account_matches(bic, account)


def test_the_right_account_with_another_banks_bic_fails() -> None:
    assert not requisites.settlement_account_matches("046850649", "40702810938000000001")


@given(
    position=st.integers(min_value=0, max_value=19),
    shift=st.integers(min_value=1, max_value=9),
)
def test_any_one_mistyped_digit_fails(position: int, shift: int) -> None:
    good = "40702810938000000001"
    typo = good[:position] + str((int(good[position]) + shift) % 10) + good[position + 1 :]
    assert not requisites.settlement_account_matches("044525225", typo)


def test_the_demo_suppliers_requisites_pass() -> None:
    for supplier in SUPPLIERS:
        assert (
            requisites.requisites_problems(
                bic=supplier["bic"],
                settlement_account=supplier["settlement_account"],
                correspondent_account=supplier["correspondent_account"],
            )
            == {}
        ), supplier["code"]


@pytest.mark.django_db
def test_the_model_refuses_a_mismatch_on_the_field_at_fault() -> None:
    supplier = make_supplier()
    supplier.settlement_account = "40702810938000000002"
    with pytest.raises(ValidationError) as refused:
        supplier.full_clean()
    assert refused.value.message_dict == {
        "settlement_account": [
            "Расчётный счёт не сходится с БИК (неверный контрольный ключ): проверьте счёт и БИК."
        ]
    }


@pytest.mark.django_db
def test_the_admin_shows_the_mismatch_next_to_the_field(admin_client: Client) -> None:
    supplier = make_supplier()
    url = reverse("admin:billing_supplier_change", args=[supplier.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in (
            (name, form[name].value()) for name in form.fields if form[name].value() is not None
        )
        if value is not False
    }
    data.update(
        {
            "settlement_account": "40702810938000000002",
            "branches-TOTAL_FORMS": "0",
            "branches-INITIAL_FORMS": "0",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["settlement_account"] == [
        "Расчётный счёт не сходится с БИК (неверный контрольный ключ): проверьте счёт и БИК."
    ]
    supplier.refresh_from_db()
    assert supplier.settlement_account == "40702810938000000001"
    assert admin.site.is_registered(Supplier)
