"""FAQ and catalog editing in the staff area, scoped to the staff's suppliers and audited."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kabinet.core.models import AuditEntry
from kabinet.support.models import CatalogItem, FaqCategory, FaqQuestion
from tests.factories import make_supplier
from tests.staff.builders import make_staff, staff_client

pytestmark = pytest.mark.django_db


def test_supplier_staff_add_a_catalog_item_for_their_supplier_only() -> None:
    supplier, other = make_supplier(), make_supplier()
    staff = make_staff(supplier)
    client = staff_client(staff)
    item = {
        "code": "meter-replace",
        "name": "Замена счётчика",
        "price": "1500,00",
        "unit": "услуга",
        "is_active": "on",
        "sort_order": 10,
    }
    refused = client.post("/staff/catalog/new/", {**item, "supplier": other.pk})
    assert refused.status_code == 400
    assert not CatalogItem.objects.exists()
    assert client.post("/staff/catalog/new/", {**item, "supplier": supplier.pk}).status_code == 302
    saved = CatalogItem.objects.get()
    assert (saved.supplier, saved.price) == (supplier, Decimal("1500.00"))
    entry = AuditEntry.objects.get(action="staff.catalog_item_saved")
    assert entry.actor == staff
    assert entry.data["created"] is True
    assert entry.data["changes"]["price"] == {"before": None, "after": "1500.00"}


def test_a_duplicate_code_or_a_negative_price_is_refused_with_a_message() -> None:
    supplier = make_supplier()
    CatalogItem.objects.create(supplier=supplier, code="x1", name="Работа")
    client = staff_client(make_staff(supplier))
    base = {"supplier": supplier.pk, "name": "Ещё", "unit": "шт", "sort_order": 1}
    duplicate = client.post("/staff/catalog/new/", {**base, "code": "x1"})
    assert duplicate.status_code == 400
    negative = client.post("/staff/catalog/new/", {**base, "code": "x2", "price": "-1"})
    assert "Цена не может быть отрицательной." in negative.text
    assert CatalogItem.objects.count() == 1


def test_hiding_and_showing_a_catalog_item_is_audited() -> None:
    supplier = make_supplier()
    item = CatalogItem.objects.create(supplier=supplier, code="x", name="Работа")
    client = staff_client(make_staff(supplier))
    client.post(f"/staff/catalog/{item.pk}/toggle/")
    item.refresh_from_db()
    assert not item.is_active
    client.post(f"/staff/catalog/{item.pk}/toggle/")
    item.refresh_from_db()
    assert item.is_active
    actions = list(
        AuditEntry.objects.filter(action__startswith="staff.catalog_item_").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["staff.catalog_item_activated", "staff.catalog_item_deactivated"]


def test_supplier_staff_edit_their_faq_but_not_the_general_one() -> None:
    supplier = make_supplier()
    own = FaqCategory.objects.create(supplier=supplier, name="Оплата")
    general = FaqCategory.objects.create(supplier=None, name="Общие вопросы")
    question = FaqQuestion.objects.create(category=own, question="Как?", answer="Так.")
    shared = FaqQuestion.objects.create(category=general, question="Что?", answer="Это.")
    client = staff_client(make_staff(supplier))
    listed = client.get("/staff/faq/")
    assert [obj for obj, _cells in listed.context["rows"]] == [question]
    response = client.post(
        f"/staff/faq/{question.pk}/",
        {"category": own.pk, "question": "Как оплатить?", "answer": "Картой.", "sort_order": 1},
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.question, question.is_published) == ("Как оплатить?", False)
    assert client.get(f"/staff/faq/{shared.pk}/").status_code == 404
    assert client.get(f"/staff/faq/categories/{general.pk}/").status_code == 404
    moved = client.post(
        f"/staff/faq/{question.pk}/",
        {"category": general.pk, "question": "Q", "answer": "A", "sort_order": 1},
    )
    assert moved.status_code == 400
    question.refresh_from_db()
    assert question.category == own


def test_all_supplier_staff_create_a_general_faq_category() -> None:
    client = staff_client(make_staff(None))
    response = client.post("/staff/faq/categories/new/", {"name": "Общие", "sort_order": 1})
    assert response.status_code == 302
    assert FaqCategory.objects.get().supplier is None


def test_supplier_staff_must_pick_their_supplier_for_a_faq_category() -> None:
    supplier = make_supplier()
    client = staff_client(make_staff(supplier))
    response = client.post("/staff/faq/categories/new/", {"name": "Общие", "sort_order": 1})
    assert response.status_code == 400
    assert not FaqCategory.objects.exists()
