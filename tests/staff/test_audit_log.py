"""The staff audit page: what each staff member may see of the log, and its filters."""

from __future__ import annotations

import pytest

from kabinet.core.models import AuditEntry
from tests.factories import make_supplier
from tests.staff.builders import make_staff, staff_client

pytestmark = pytest.mark.django_db


def entries(client: object, **params: object) -> list[AuditEntry]:
    response = client.get("/staff/audit/", params)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return [entry for entry, _label in response.context["entries"]]


def test_supplier_staff_see_their_suppliers_acts_and_all_supplier_staff_see_all() -> None:
    supplier, other = make_supplier(), make_supplier()
    colleague, outsider, chief = make_staff(supplier), make_staff(other), make_staff(None)
    on_ours = AuditEntry.objects.create(
        actor=chief, action="staff.answer_appeal", data={"supplier_id": supplier.pk}
    )
    by_colleague = AuditEntry.objects.create(actor=colleague, action="staff.logged_in")
    on_theirs = AuditEntry.objects.create(
        actor=outsider, action="staff.answer_appeal", data={"supplier_id": other.pk}
    )
    AuditEntry.objects.create(action="logged_in")  # a customer's act, not a staff one
    me = staff_client(make_staff(supplier))
    assert set(entries(me)) == {on_ours, by_colleague}
    assert set(entries(staff_client(chief))) == {on_ours, by_colleague, on_theirs}
    assert entries(me, actor=colleague.pk) == [by_colleague]
    assert entries(me, action="staff.answer_appeal") == [on_ours]
    # Another supplier's staff member is not a choice, so the filter is dropped, not applied.
    assert set(entries(me, actor=outsider.pk)) == {on_ours, by_colleague}


def test_acts_in_the_staff_area_appear_in_the_log() -> None:
    supplier = make_supplier()
    staff = make_staff(supplier)
    client = staff_client(staff)
    client.post("/staff/faq/categories/new/", {"supplier": supplier.pk, "name": "Оплата"})
    page = client.get("/staff/audit/")
    assert "Раздел FAQ сохранён" in page.text
