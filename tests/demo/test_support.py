"""Demo catalog, request types, FAQ, contacts and the customers' cases that seed_demo adds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kabinet.billing.models import AccountLink
from kabinet.demo.people import ensure_demo_customers
from kabinet.demo.reference import ensure_reference_data
from kabinet.demo.support import add_demo_support
from kabinet.identity.models import User
from kabinet.support.models import (
    Appeal,
    CatalogItem,
    FaqCategory,
    FaqQuestion,
    RequestType,
    ServiceRequest,
    SupportContact,
)
from tests.factories import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo_logins_in_tmp(settings: Any, tmp_path: Path) -> None:
    # ensure_demo_customers writes the customers' passwords there.
    settings.VAR_DIR = tmp_path


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (RequestType, CatalogItem, FaqCategory, FaqQuestion, SupportContact)
    )


def test_it_adds_the_demo_support_data_once() -> None:
    suppliers = ensure_reference_data()

    assert "Заявки и обращения" in add_demo_support(suppliers)
    energy = suppliers["energosbyt"]
    assert set(RequestType.objects.filter(supplier=energy).values_list("name", flat=True)) == {
        "Ввод прибора учёта в эксплуатацию",
        "Снятие показаний",
        "Внеплановая проверка прибора учёта",
        "Замена счётчика",
        "Другое",
    }
    assert CatalogItem.objects.get(supplier=energy, code="meter-replace").price == 1500
    assert FaqQuestion.objects.filter(question__icontains="показания").exists()
    assert SupportContact.objects.filter(supplier=energy, kind="office").count() == 2
    first = _counts()

    # Staff edit a price; a second seed run neither duplicates rows nor undoes the edit.
    CatalogItem.objects.filter(code="meter-replace").update(price=1600)
    again = add_demo_support(suppliers)
    assert _counts() == first
    assert "+0" in again
    assert CatalogItem.objects.get(supplier=energy, code="meter-replace").price == 1600


def test_the_demo_customers_arrive_with_an_appeal_and_a_request_for_the_staff_queues() -> None:
    suppliers = ensure_reference_data()
    ensure_demo_customers()
    customer = User.objects.get(phone="+79000000001")
    AccountLink.objects.create(
        user=customer, account=make_account(suppliers["energosbyt"]), relation="owner"
    )

    add_demo_support(suppliers)
    add_demo_support(suppliers)

    appeal = Appeal.objects.get(user=customer)
    assert (appeal.number or "").startswith("О-")
    assert appeal.status == Appeal.Status.NEW
    request = ServiceRequest.objects.get(user=customer)
    assert request.supplier == suppliers["energosbyt"]
    assert request.events.count() == 1
