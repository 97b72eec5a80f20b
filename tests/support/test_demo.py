"""Demo catalog, request types, FAQ and contacts arrive with seed_demo's demo_loaded signal."""

from __future__ import annotations

import pytest

from kabinet.billing.demo import demo_loaded, ensure_reference_data
from kabinet.support.models import (
    CatalogItem,
    FaqCategory,
    FaqQuestion,
    RequestType,
    SupportContact,
)

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (RequestType, CatalogItem, FaqCategory, FaqQuestion, SupportContact)
    )


def test_the_receiver_adds_the_demo_support_data_once() -> None:
    suppliers = ensure_reference_data()

    replies = [message for _r, message in demo_loaded.send(sender=None, suppliers=suppliers)]
    assert any("Заявки и обращения" in str(m) for m in replies)
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
    again = [message for _r, message in demo_loaded.send(sender=None, suppliers=suppliers)]
    assert _counts() == first
    assert any("+0" in str(m) for m in again)
    assert CatalogItem.objects.get(supplier=energy, code="meter-replace").price == 1600
