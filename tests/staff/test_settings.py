"""Supplier settings: validated with Russian messages, audited with before and after."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from kabinet.billing.models import Supplier
from kabinet.core.models import AuditEntry
from tests.factories import make_supplier
from tests.staff.builders import make_staff, staff_client

pytestmark = pytest.mark.django_db


def form_data(supplier: Supplier, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "readings_first_day": supplier.readings_first_day,
        "readings_last_day": supplier.readings_last_day,
        "readings_close_time": "",
        "readings_strict": "on" if supplier.readings_strict else "",
        "readings_jump_factor": str(supplier.readings_jump_factor),
        "link_by_code": "on" if supplier.link_by_code else "",
        "link_by_bill_total": "on" if supplier.link_by_bill_total else "",
        "link_by_surname_flat": "",
        "min_payment": str(supplier.min_payment),
        "approved_for_payment": "on",
        "address": supplier.address,
        "phone": supplier.phone,
        "email": supplier.email,
        "website": supplier.website,
        "bank_name": supplier.bank_name,
        "bic": supplier.bic,
        "settlement_account": supplier.settlement_account,
        "correspondent_account": supplier.correspondent_account,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_a_change_is_saved_and_audited_with_before_and_after() -> None:
    supplier = make_supplier(readings_first_day=15, readings_last_day=26)
    staff = make_staff(supplier)
    url = f"/staff/suppliers/{supplier.pk}/"
    response = staff_client(staff).post(
        url,
        form_data(
            supplier, readings_first_day=20, readings_close_time="17:00", min_payment="100,50"
        ),
    )
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.readings_first_day == 20
    assert supplier.readings_close_time == dt.time(17, 0)
    assert supplier.min_payment == Decimal("100.50")
    entry = AuditEntry.objects.get(action="staff.supplier_settings_updated")
    assert entry.actor == staff
    assert entry.supplier_id == supplier.pk
    assert entry.data["changes"] == {
        "readings_first_day": {"before": 15, "after": 20},
        "readings_close_time": {"before": None, "after": "17:00:00"},
        "min_payment": {"before": "50.00", "after": "100.50"},
    }


def test_saving_without_changes_writes_no_audit_row() -> None:
    supplier = make_supplier()
    staff_client(make_staff(supplier)).post(f"/staff/suppliers/{supplier.pk}/", form_data(supplier))
    assert not AuditEntry.objects.filter(action="staff.supplier_settings_updated").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"readings_first_day": 0}, "Число месяца — от 1 до 31."),
        ({"readings_last_day": 32}, "Число месяца — от 1 до 31."),
        ({"readings_first_day": "пятнадцатое"}, "Число месяца — целое от 1 до 31."),
        ({"readings_close_time": "25:99"}, "Время в виде ЧЧ:ММ, например 17:00."),
        ({"min_payment": "0"}, "Минимальная сумма платежа должна быть больше нуля."),
        ({"min_payment": "-5"}, "Минимальная сумма платежа должна быть больше нуля."),
        ({"min_payment": "10,555"}, "Не больше 2 знаков после запятой (копейки)."),
        ({"readings_jump_factor": "0,5"}, "Порог — не меньше 1."),
        (
            {"link_by_code": "", "link_by_bill_total": ""},
            "Оставьте хотя бы один контрольный вопрос",
        ),
        ({"email": "не адрес"}, "Введите правильный адрес e-mail."),
        # One digit off: still 20 digits, but the control key against the БИК fails.
        ({"settlement_account": "40702810938000000002"}, "Расчётный счёт не сходится с БИК"),
        # The right account with another bank's БИК.
        ({"bic": "046850649"}, "Расчётный счёт не сходится с БИК"),
        ({"correspondent_account": "30101810400000000226"}, "Корреспондентский счёт не сходится"),
        ({"settlement_account": "4070281093800000000"}, "Счёт — 20 цифр."),
    ],
    ids=lambda v: str(v)[:30],
)
def test_bad_values_are_refused_with_a_russian_message(
    changes: dict[str, Any], message: str
) -> None:
    supplier = make_supplier()
    before = Supplier.objects.values().get(pk=supplier.pk)
    response = staff_client(make_staff(supplier)).post(
        f"/staff/suppliers/{supplier.pk}/", form_data(supplier, **changes)
    )
    assert response.status_code == 400
    assert message in response.text
    assert Supplier.objects.values().get(pk=supplier.pk) == before
    assert not AuditEntry.objects.filter(action="staff.supplier_settings_updated").exists()


def test_supplier_staff_go_straight_to_their_supplier_and_see_no_other() -> None:
    supplier, other = make_supplier(), make_supplier()
    client = staff_client(make_staff(supplier))
    assert client.get("/staff/suppliers/")["Location"] == f"/staff/suppliers/{supplier.pk}/"
    assert client.get(f"/staff/suppliers/{other.pk}/").status_code == 404
    everyone = staff_client(make_staff(None)).get("/staff/suppliers/")
    assert set(everyone.context["suppliers"]) == {supplier, other}


def test_staff_move_the_supplier_to_another_bank_and_the_change_is_audited() -> None:
    supplier = make_supplier()
    response = staff_client(make_staff(supplier)).post(
        f"/staff/suppliers/{supplier.pk}/",
        form_data(
            supplier,
            bank_name="ПАО «Банк Синара»",
            bic="046577904",
            settlement_account="40702810006200011223",
            correspondent_account="30101810500000000904",
        ),
    )
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert (supplier.bic, supplier.settlement_account) == ("046577904", "40702810006200011223")
    changes = AuditEntry.objects.get(action="staff.supplier_settings_updated").data["changes"]
    assert changes["settlement_account"] == {
        "before": "40702810938000000001",
        "after": "40702810006200011223",
    }


def test_the_error_stands_next_to_the_settlement_account_field() -> None:
    supplier = make_supplier()
    response = staff_client(make_staff(supplier)).post(
        f"/staff/suppliers/{supplier.pk}/",
        form_data(supplier, settlement_account="40702810938000000002"),
    )
    assert response.context["form"].errors["settlement_account"] == [
        "Расчётный счёт не сходится с БИК (неверный контрольный ключ): проверьте счёт и БИК."
    ]
    assert 'id="id_settlement_account_error"' in response.text
