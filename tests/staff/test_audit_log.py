"""The staff audit page: what each staff member may see of the log, and its filters."""

from __future__ import annotations

import pytest

from kabinet.core.models import AuditEntry
from tests.factories import make_supplier
from tests.staff.builders import customer_of, file_appeal, make_staff, staff_client

pytestmark = pytest.mark.django_db


def entries(client: object, **params: object) -> list[AuditEntry]:
    response = client.get("/staff/audit/", params)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return [entry for entry, _label in response.context["entries"]]


def test_supplier_staff_see_their_suppliers_acts_and_all_supplier_staff_see_all() -> None:
    supplier, other = make_supplier(), make_supplier()
    colleague, outsider, chief = make_staff(supplier), make_staff(other), make_staff(None)
    on_ours = AuditEntry.objects.create(
        actor=chief, action="support.appeal_answered", supplier_id=supplier.pk
    )
    by_colleague = AuditEntry.objects.create(actor=colleague, action="staff.member_logged_in")
    on_theirs = AuditEntry.objects.create(
        actor=outsider, action="support.appeal_answered", supplier_id=other.pk
    )
    # A customer's acts, not staff ones, even with a supplier.
    AuditEntry.objects.create(action="identity.user_logged_in")
    AuditEntry.objects.create(action="support.appeal_created", supplier_id=supplier.pk)
    me = staff_client(make_staff(supplier))
    assert set(entries(me)) == {on_ours, by_colleague}
    assert set(entries(staff_client(chief))) == {on_ours, by_colleague, on_theirs}
    assert entries(me, actor=colleague.pk) == [by_colleague]
    assert entries(me, action="support.appeal_answered") == [on_ours]
    # Another supplier's staff member is not a choice, so the filter is dropped, not applied.
    assert set(entries(me, actor=outsider.pk)) == {on_ours, by_colleague}


def test_acts_in_the_staff_area_appear_in_the_log() -> None:
    supplier = make_supplier()
    staff = make_staff(supplier)
    client = staff_client(staff)
    response = client.post(
        "/staff/faq/categories/new/", {"supplier": supplier.pk, "name": "Оплата", "sort_order": 10}
    )
    assert response.status_code == 302
    page = client.get("/staff/audit/")
    category = AuditEntry.objects.get(action="staff.faq_category_saved").object_id
    assert f"{staff.get_full_name()} сохранил раздел FAQ № {category}" in page.text


def test_a_staff_answer_is_one_row_that_its_suppliers_journal_shows() -> None:
    supplier = make_supplier()
    _customer, customer_link = customer_of(supplier)
    appeal = file_appeal(customer_link)
    staff = make_staff(supplier, last_name="Иванова", first_name="Ольга", gender="female")
    response = staff_client(staff).post(f"/staff/appeals/{appeal.pk}/", {"text": "Ответ"})
    assert response.status_code == 302
    rows = AuditEntry.objects.filter(actor=staff)
    assert [(r.action, r.object_type, r.supplier_id) for r in rows] == [
        ("support.appeal_answered", "support.Appeal", supplier.pk)
    ]
    colleague = staff_client(make_staff(supplier))
    assert entries(colleague) == list(rows)
    assert entries(staff_client(make_staff(make_supplier()))) == []
    page = colleague.get("/staff/audit/")
    # A sentence, not raw JSON with English keys; the verb agrees with the operator.
    assert f"Иванова Ольга ответила на обращение {appeal.number}" in page.text
    assert "message_id" not in page.text


def test_the_journal_reads_in_english_too() -> None:
    supplier = make_supplier()
    # An all-supplier member sees the failed logins too (they concern no supplier).
    staff = make_staff(None, last_name="Petrova", first_name="Anna", gender="female")
    AuditEntry.objects.create(
        actor=staff,
        action="support.request_status_changed",
        supplier_id=supplier.pk,
        data={"number": "З-2026-000007", "status": {"before": "new", "after": "done"}},
    )
    AuditEntry.objects.create(action="staff.login_failed", actor_label="hacker")
    page = staff_client(staff).get("/staff/audit/", headers={"accept-language": "en"})
    assert "Petrova Anna moved request З-2026-000007 to «Completed»" in page.text
    assert "Failed back-office login as «hacker»" in page.text
