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
        "readings_overdue_verification": supplier.readings_overdue_verification,
        "link_by_code": "on" if supplier.link_by_code else "",
        "link_by_bill_total": "on" if supplier.link_by_bill_total else "",
        "link_by_surname_flat": "",
        "min_payment": str(supplier.min_payment),
        "approved_for_payment": "on",
        "receipt_vat_code": supplier.receipt_vat_code,
        "receipt_is_merchant": "on" if supplier.receipt_is_merchant else "",
        "receipt_agent_type": supplier.receipt_agent_type,
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


def test_staff_choose_whether_overdue_meters_may_send_readings_and_it_is_audited() -> None:
    supplier = make_supplier()
    assert supplier.readings_overdue_verification == Supplier.OverdueVerification.ACCEPT
    client = staff_client(make_staff(supplier))
    url = f"/staff/suppliers/{supplier.pk}/"
    assert "Показания прибора с истёкшим сроком поверки" in client.get(url).text

    response = client.post(url, form_data(supplier, readings_overdue_verification="refuse"))

    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.readings_overdue_verification == Supplier.OverdueVerification.REFUSE
    entry = AuditEntry.objects.get(action="staff.supplier_settings_updated")
    assert entry.data["changes"] == {
        "readings_overdue_verification": {"before": "accept", "after": "refuse"}
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
        ({"readings_overdue_verification": "maybe"}, "Выберите корректный вариант."),
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


def test_receipt_settings_are_per_supplier_and_audited() -> None:
    supplier = make_supplier(phone="+7 (4752) 72-03-03")
    staff = make_staff(supplier)

    response = staff_client(staff).post(
        f"/staff/suppliers/{supplier.pk}/",
        form_data(
            supplier,
            receipt_vat_code=Supplier.VatCode.VAT_22,
            receipt_agent_type=Supplier.AgentType.BANKING_PAYMENT_AGENT,
        ),
    )

    assert response.status_code == 302
    supplier.refresh_from_db()
    assert (supplier.receipt_vat_code, supplier.receipt_agent_type) == (
        11,
        "banking_payment_agent",
    )
    entry = AuditEntry.objects.get(action="staff.supplier_settings_updated")
    assert entry.data["changes"] == {
        "receipt_vat_code": {"before": 1, "after": 11},
        "receipt_agent_type": {"before": "payment_agent", "after": "banking_payment_agent"},
    }


def test_the_merchant_itself_is_saved_without_an_agent_phone_check() -> None:
    supplier = make_supplier(phone="звоните в приёмную")
    staff = make_staff(supplier)

    response = staff_client(staff).post(
        f"/staff/suppliers/{supplier.pk}/", form_data(supplier, receipt_is_merchant="on")
    )

    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.receipt_is_merchant is True


def test_an_agent_receipt_needs_a_phone_that_is_a_number() -> None:
    supplier = make_supplier()
    staff = make_staff(supplier)

    response = staff_client(staff).post(
        f"/staff/suppliers/{supplier.pk}/", form_data(supplier, phone="приёмная")
    )

    assert response.status_code == 400
    assert "он передаётся в чеке об оплате (тег 1171)" in response.content.decode()
    supplier.refresh_from_db()
    assert supplier.phone == ""


@pytest.mark.parametrize("code", ["0", "13", "x"])
def test_an_unknown_vat_code_is_refused_next_to_the_field(code: str) -> None:
    supplier = make_supplier()
    staff = make_staff(supplier)

    response = staff_client(staff).post(
        f"/staff/suppliers/{supplier.pk}/", form_data(supplier, receipt_vat_code=code)
    )

    assert response.status_code == 400
    assert 'id="id_receipt_vat_code_error"' in response.content.decode()
    supplier.refresh_from_db()
    assert supplier.receipt_vat_code == 1


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("+7 (4752) 72-03-03", "74752720303"),
        ("8 4752 72-03-03, доб. 2", "74752720303"),
        ("приёмная; +7 916 123-45-67", "79161234567"),
        ("", ""),
        ("звоните", ""),
    ],
)
def test_the_receipt_phone_is_the_first_valid_number_in_e164_digits(
    phone: str, expected: str
) -> None:
    assert Supplier(phone=phone).receipt_phone == expected


def test_the_admin_shows_the_receipt_settings_of_a_supplier(admin_client: Any) -> None:
    supplier = make_supplier()

    page = admin_client.get(f"/admin/billing/supplier/{supplier.pk}/change/")

    content = page.content.decode()
    for name in ("receipt_vat_code", "receipt_is_merchant", "receipt_agent_type"):
        assert f'name="{name}"' in content
    assert '<option value="11">НДС 22%</option>' in content


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
