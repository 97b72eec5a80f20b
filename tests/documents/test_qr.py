"""The GOST R 56042-2014 payment string: field order, kopecks, separators, lengths."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image

from kabinet.documents import qr
from tests.factories import make_account, make_bill, make_supplier

pytestmark = pytest.mark.django_db

MANDATORY = [
    ("Name", "ООО «Ромашка»"),
    ("PersonalAcc", "40702810938000000001"),
    ("BankName", "ПАО Сбербанк"),
    ("BIC", "044525225"),
    ("CorrespAcc", "30101810400000000225"),
]


def test_a_section_string_has_the_mandatory_fields_first_then_the_utility_fields() -> None:
    supplier = make_supplier(name="АО «Энергосбыт»", inn="6829012680", kpp="682901001")
    account = make_account(supplier, number="680123456", owner_name="Петрова Мария Сергеевна")
    bill = make_bill(account, period=dt.date(2026, 9, 1))

    text = qr.section_payment_string(
        bill=bill, account=account, supplier=supplier, total=Decimal("1234.5")
    )

    assert text.startswith("ST00012|Name=АО «Энергосбыт»|PersonalAcc=40702810938000000001|")
    keys = [part.partition("=")[0] for part in text.split("|")[1:]]
    assert keys == [
        "Name",
        "PersonalAcc",
        "BankName",
        "BIC",
        "CorrespAcc",
        "PayeeINN",
        "KPP",
        "Sum",
        "PersAcc",
        "Purpose",
        "PaymPeriod",
        "LastName",
        "FirstName",
        "MiddleName",
        "PayerAddress",
        "TechCode",
    ]
    fields = qr.parse_payment_string(text)
    assert fields["Sum"] == "123450"
    assert fields["PersAcc"] == "680123456"
    assert fields["PaymPeriod"] == "092026"
    assert fields["LastName"] == "Петрова"
    assert fields["PayeeINN"] == "6829012680"
    assert fields["TechCode"] == "02"


def test_an_advance_leaves_the_sum_to_the_payer() -> None:
    supplier = make_supplier()
    account = make_account(supplier)
    bill = make_bill(account)
    text = qr.section_payment_string(
        bill=bill, account=account, supplier=supplier, total=Decimal("-10.00")
    )
    assert "Sum" not in qr.parse_payment_string(text)


def test_a_value_with_a_bar_switches_the_separator() -> None:
    text = qr.build_payment_string([("Name", "ООО «А|Б»"), *MANDATORY[1:], ("Purpose", "x#y")])
    assert text.startswith("ST00012;Name=ООО «А|Б»;")
    assert qr.parse_payment_string(text)["Name"] == "ООО «А|Б»"
    assert qr.parse_payment_string(text)["Purpose"] == "x#y"


def test_values_are_cut_to_the_standard_lengths_and_the_mandatory_block_to_300_bytes() -> None:
    long_name = "Общество с ограниченной ответственностью " * 6
    text = qr.build_payment_string(
        [
            ("Name", long_name),
            *MANDATORY[1:],
            ("Purpose", "П" * 300),
            ("PayeeINN", "6829012680123"),
        ]
    )
    fields = qr.parse_payment_string(text)
    assert len(fields["Name"]) <= 160
    assert len(fields["Purpose"]) == 210
    assert fields["PayeeINN"] == "682901268012"
    mandatory_block = text.split("|PayeeINN")[0].split("|Purpose")[0]
    assert len(mandatory_block.encode("utf-8")) <= 300
    assert long_name.startswith(fields["Name"])


def test_line_breaks_and_empty_optional_values_are_dropped() -> None:
    text = qr.build_payment_string([*MANDATORY, ("KPP", ""), ("PayerAddress", "ул. Мира,\n д. 1")])
    assert "KPP" not in text
    assert text.endswith("|PayerAddress=ул. Мира, д. 1")


def test_the_mandatory_fields_must_come_first() -> None:
    with pytest.raises(ValueError, match="mandatory fields must come first"):
        qr.build_payment_string([MANDATORY[1], MANDATORY[0], *MANDATORY[2:]])


def test_a_supplier_without_bank_requisites_has_no_qr() -> None:
    supplier = make_supplier(bank_name="", settlement_account="", bic="", correspondent_account="")
    account = make_account(supplier)
    bill = make_bill(account)
    assert not qr.has_requisites(supplier)
    with pytest.raises(qr.RequisitesMissing):
        qr.section_payment_string(
            bill=bill, account=account, supplier=supplier, total=Decimal("1.00")
        )


def test_the_code_carries_the_string_as_utf8_bytes_without_an_eci_header() -> None:
    """Banking apps read the bytes as UTF-8 because the header's «2» says so: an encoder left
    to choose writes Cyrillic as Shift_JIS, and an ECI header is more than some apps parse."""
    text = "ST00012|Name=ООО «Ромашка»|Purpose=Оплата ЖКУ за 09.2026"
    modules, side = qr._symbol(text)
    size = side + 2 * qr.QUIET_ZONE
    picture = Image.new("L", (size, size), 255)
    picture.paste(Image.frombytes("L", (side, side), modules), (qr.QUIET_ZONE, qr.QUIET_ZONE))

    read = zxingcpp.read_barcode(picture.resize((size * 4, size * 4), Image.Resampling.NEAREST))

    assert read is not None
    assert read.format == zxingcpp.BarcodeFormat.QRCode
    assert read.bytes == text.encode("utf-8")
    assert read.symbology_identifier == "]Q1"  # model 2, no ECI
    assert qr.qr_image(text).svg.startswith("<svg")


def test_persacc_is_the_account_number_as_billing_gave_it() -> None:
    """Normalised for lookups, «00123456» is «123456» in the portal; the bank's registry goes
    back to billing, which knows the number with its zeros."""
    supplier = make_supplier(name="АО «Энергосбыт»", inn="6829012680", kpp="682901001")
    account = make_account(supplier, number="123456", number_display="00123456")
    bill = make_bill(account, period=dt.date(2026, 9, 1))

    fields = qr.parse_payment_string(
        qr.section_payment_string(bill=bill, account=account, supplier=supplier, total=Decimal(1))
    )

    assert fields["PersAcc"] == "00123456"
    assert fields["Purpose"].endswith("л/с 00123456")


def test_a_usual_string_prints_modules_wide_enough_for_a_100_dpi_scan() -> None:
    supplier = make_supplier(name="АО «Тамбовская энергосбытовая компания»")
    account = make_account(supplier, owner_name="Петрова Мария Сергеевна")
    text = qr.section_payment_string(
        bill=make_bill(account), account=account, supplier=supplier, total=Decimal("684.70")
    )

    image = qr.qr_image(text)

    assert image.module_mm == pytest.approx(qr.MODULE_MM)
    assert image.width_mm <= qr.MAX_WIDTH_MM
    assert not image.dense


def test_a_long_string_falls_back_to_level_l_before_shrinking_its_modules() -> None:
    # Too many modules at level M for the widest layout, few enough at level L.
    text = "ST00012|Name=" + "Ж" * 300
    assert (qr._modules(text, "M")[1] + 2 * qr.QUIET_ZONE) * qr.MODULE_MM > qr.MAX_WIDTH_MM

    image = qr.qr_image(text)

    assert not image.dense
    assert image.module_mm == pytest.approx(qr.MODULE_MM)


def test_level_m_is_skipped_exactly_where_it_cannot_fit_the_layout() -> None:
    fits = "ST00012|Name=" + "x" * (qr.M_FITS_BYTES - 13)
    too_long = fits + "x"

    assert (qr._modules(fits, "M")[1] + 2 * qr.QUIET_ZONE) * qr.MODULE_MM <= qr.MAX_WIDTH_MM
    assert (qr._modules(too_long, "M")[1] + 2 * qr.QUIET_ZONE) * qr.MODULE_MM > qr.MAX_WIDTH_MM
    assert qr._symbol(fits) == qr._modules(fits, "M")
    assert qr._symbol(too_long) == qr._modules(too_long, "L")


def test_a_string_too_long_for_the_layout_is_flagged_dense() -> None:
    image = qr.qr_image("ST00012|Purpose=" + "Ж" * 700)
    assert image.dense
    assert image.width_mm == qr.MAX_WIDTH_MM
    assert image.module_mm < qr.MODULE_MM
