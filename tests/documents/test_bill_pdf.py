"""The bill PDF: read back with pdftotext, and every QR decoded with zbarimg and checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from kabinet.billing.models import Bill, BillSection
from kabinet.core.money import to_kopecks
from kabinet.documents import qr
from kabinet.documents.bills import bill_document_data, money, render_bill_pdf
from tests.documents.conftest import decode_qr_codes, pdf_text
from tests.documents.sample import make_two_recipient_bill

pytestmark = pytest.mark.django_db


def test_every_recipient_qr_decodes_to_the_bill_data(
    two_recipient_bill: Bill, tmp_path: Path
) -> None:
    bill = two_recipient_bill
    account = bill.account
    pdf = render_bill_pdf(bill)
    assert pdf.startswith(b"%PDF")

    codes = decode_qr_codes(pdf, tmp_path)

    assert len(codes) == 2
    decoded = {fields["PayeeINN"]: fields for fields in map(qr.parse_payment_string, codes)}
    sections = BillSection.objects.filter(bill=bill).select_related("supplier")
    assert set(decoded) == {section.supplier.inn for section in sections}
    for section in sections:
        supplier = section.supplier
        fields = decoded[supplier.inn]
        assert fields["Name"] == supplier.name
        assert fields["PersonalAcc"] == supplier.settlement_account
        assert fields["BankName"] == supplier.bank_name
        assert fields["BIC"] == supplier.bic
        assert fields["CorrespAcc"] == supplier.correspondent_account
        assert fields["KPP"] == supplier.kpp
        assert fields["Sum"] == str(to_kopecks(section.total))
        assert fields["PersAcc"] == account.number  # no number of its own at the recipient
        assert fields["PaymPeriod"] == "092026"
        assert fields["LastName"] == "Петрова"
        assert account.premises is not None
        assert fields["PayerAddress"] == account.premises.address
        assert fields["TechCode"] == "02"
    # The housing company's name holds "|": its string uses another separator.
    assert any(code.startswith("ST00012|") for code in codes)
    assert any(not code.startswith("ST00012|") for code in codes)


def test_the_pdf_text_has_the_payer_the_account_and_the_total(
    two_recipient_bill: Bill, tmp_path: Path
) -> None:
    text = pdf_text(render_bill_pdf(two_recipient_bill), tmp_path)

    assert "ЕДИНЫЙ ПЛАТЁЖНЫЙ ДОКУМЕНТ" in text
    assert "сентябрь 2026" in text
    assert "Петрова Мария Сергеевна" in text
    assert "680123456" in text
    assert "68АБ123456-01" in text  # ИЖКУ
    assert "68АБ123456-09-2026" in text  # ИПД
    assert "ИТОГО К ОПЛАТЕ" in text
    assert money(two_recipient_bill.total).replace("\u00a0", " ") in text  # 2 097,04
    assert "Электроснабжение" in text
    assert "72 990,14" in text  # current reading
    assert "72 860" in text  # previous reading
    assert "12,34" in text  # penalties


def test_the_linking_code_is_printed_where_the_supplier_accepts_it(
    two_recipient_bill: Bill, tmp_path: Path
) -> None:
    account = two_recipient_bill.account
    account.link_code = "K7Q2"
    account.save(update_fields=["link_code"])
    account.supplier.link_by_code = True
    account.supplier.save(update_fields=["link_by_code"])
    # Labelled as the linking form names its field.
    assert "Код для привязки: K7Q2" in pdf_text(render_bill_pdf(two_recipient_bill), tmp_path)

    account.supplier.link_by_code = False
    account.supplier.save(update_fields=["link_by_code"])
    text = pdf_text(render_bill_pdf(two_recipient_bill), tmp_path)
    assert "K7Q2" not in text
    assert "Код для привязки" not in text


def test_the_pdf_prints_amounts_as_every_page_does(
    two_recipient_bill: Bill, tmp_path: Path
) -> None:
    text = " ".join(pdf_text(render_bill_pdf(two_recipient_bill), tmp_path).split())

    assert "2 097,04" in text  # the total, grouped
    assert "1 400,00" in text  # maintenance
    assert "2097,04" not in text
    assert "1400,00" not in text
    assert "\u221247,55" in text  # a recalculation in the customer's favour


def test_the_pdf_says_how_volumes_were_found_and_why_recalculated(
    two_recipient_bill: Bill, tmp_path: Path
) -> None:
    text = " ".join(pdf_text(render_bill_pdf(two_recipient_bill), tmp_path).split())

    assert "130,14 (П)" in text
    assert "П — по показаниям прибора учёта" in text
    assert "Перерасчёты" in text
    assert "Временное отсутствие жильцов 12–25.08.2026" in text
    assert "-47,55" in text or "−47,55" in text
    assert "Электроснабжение — 110 кВт·ч на 1 чел. в месяц" in text  # the norm, with its unit


def test_the_pdf_prints_the_suppliers_website_and_no_empty_penalty_row(
    two_recipient_bill: Bill, tmp_path: Path
) -> None:
    section = two_recipient_bill.sections.select_related("supplier").first()
    assert section is not None
    section.supplier.website = "https://tesk.example.ru"
    section.supplier.save(update_fields=["website"])

    text = pdf_text(render_bill_pdf(two_recipient_bill), tmp_path)

    assert "Сайт: https://tesk.example.ru" in text
    # Penalties are charged by the housing company only: one «Пени» row, none of «0,00».
    assert len([line for line in text.splitlines() if line.strip().startswith("Пени")]) == 1


def test_a_recipient_without_requisites_gets_a_note_instead_of_a_qr(
    two_recipient_bill: Bill, tmp_path: Path
) -> None:
    section = two_recipient_bill.sections.select_related("supplier").get(
        supplier__short_name="УК Жилсервис"
    )
    supplier = section.supplier
    supplier.bank_name = supplier.bic = ""
    supplier.settlement_account = supplier.correspondent_account = ""
    supplier.save()

    pdf = render_bill_pdf(two_recipient_bill)

    codes = decode_qr_codes(pdf, tmp_path)
    assert len(codes) == 1
    assert qr.parse_payment_string(codes[0])["PayeeINN"] != supplier.inn
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "Реквизиты для оплаты не указаны — оплата по QR-коду недоступна" in text


def test_database_strings_never_become_typst_source(tmp_path: Path) -> None:
    evil = '#import "x"] #panic("boom") $ x $ \\ *bold* <label> @ref // comment'
    bill = make_two_recipient_bill(owner_name=evil)

    text = pdf_text(render_bill_pdf(bill), tmp_path)

    assert '#import "x"]' in text
    assert '#panic("boom")' in text
    assert "// comment" in text


def test_the_document_data_is_plain_json_strings(two_recipient_bill: Bill) -> None:
    data = bill_document_data(two_recipient_bill)
    assert data["totals"]["total"] == "2\u00a0097,04"
    assert [s["total"] for s in data["sections"]] == ["684,70", "1\u00a0412,34"]
    assert data["meters"][0]["consumption"] == "130,14"


def _decoded_by_inn(pdf: bytes, tmp_path: Path) -> dict[str, dict[str, str]]:
    codes = decode_qr_codes(pdf, tmp_path)
    return {fields["PayeeINN"]: fields for fields in map(qr.parse_payment_string, codes)}


def test_a_recipient_with_its_own_account_number_is_paid_under_it(
    two_recipient_bill: Bill, tmp_path: Path
) -> None:
    """An agent's bill: the housing company knows the customer as «УК-0045/778» and by its own
    ИЖКУ; the energy retailer's section keeps the account's number and ИЖКУ."""
    bill = two_recipient_bill
    housing = bill.sections.select_related("supplier").get(supplier__short_name="УК Жилсервис")
    housing.account_number = "УК-0045/778"
    housing.izhku = "68АБ123456-02"
    housing.save(update_fields=["account_number", "izhku"])

    pdf = render_bill_pdf(bill)

    decoded = _decoded_by_inn(pdf, tmp_path)
    own = decoded[housing.supplier.inn]
    assert own["PersAcc"] == "УК-0045/778"
    assert own["Purpose"] == "Оплата ЖКУ за 09.2026, л/с УК-0045/778, ИЖКУ 68АБ123456-02"
    (energy_inn,) = set(decoded) - {housing.supplier.inn}
    assert decoded[energy_inn]["PersAcc"] == "680123456"
    assert decoded[energy_inn]["Purpose"].endswith("л/с 680123456, ИЖКУ 68АБ123456-01")
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "Лицевой счёт: УК-0045/778 ИЖКУ: 68АБ123456-02" in text
    assert "Лицевой счёт: 680123456 ИЖКУ: 68АБ123456-01" in text


def test_the_qr_pays_the_leading_zero_number_the_bill_prints(tmp_path: Path) -> None:
    bill = make_two_recipient_bill()
    account = bill.account
    account.number, account.number_display = "123456", "00123456"
    account.save(update_fields=["number", "number_display"])

    pdf = render_bill_pdf(bill)

    decoded = _decoded_by_inn(pdf, tmp_path)
    assert {fields["PersAcc"] for fields in decoded.values()} == {"00123456"}
    text = " ".join(pdf_text(pdf, tmp_path).split())
    # The payer block and each recipient's section print the same number the bank receives.
    assert text.count("Лицевой счёт: 00123456") == 3
    assert "Лицевой счёт: 123456" not in text


def test_every_qr_decodes_from_a_100_dpi_scan(two_recipient_bill: Bill, tmp_path: Path) -> None:
    """A module of at least 0.5 mm covers two pixels at 100 dpi: a fax, a cheap scanner."""
    data = bill_document_data(two_recipient_bill)
    assert all(s["qr_width_mm"] for s in data["sections"])
    assert not any(s["qr_dense"] for s in data["sections"])

    codes = decode_qr_codes(render_bill_pdf(two_recipient_bill), tmp_path, dpi=100)

    assert sorted(qr.parse_payment_string(code)["PayeeINN"] for code in codes) == [
        "6829012680",
        "6829123456",
    ]


def test_a_section_whose_qr_is_too_dense_says_how_to_pay_anyway(tmp_path: Path) -> None:
    bill = make_two_recipient_bill(
        owner_name="Константинопольская-Переславская Анастасия-Екатерина Александровна-Мария"
    )
    premises = bill.account.premises
    assert premises is not None
    premises.address = (
        "Тамбовская область, муниципальный округ Тамбовский, посёлок городского типа "
        "Новая Ляда, улица Первомайская, дом 123, корпус 4, строение 5, квартира 678"
    )
    premises.save(update_fields=["address"])

    data = bill_document_data(bill)
    pdf = render_bill_pdf(bill)

    assert all(s["qr_dense"] for s in data["sections"])
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert text.count("Мелкий QR-код: печатайте в масштабе 100 %.") == 2
    assert len(decode_qr_codes(pdf, tmp_path)) == 2  # still a valid code at 200 dpi
