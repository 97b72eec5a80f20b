from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from kabinet.billing.exchange.importer import import_files
from kabinet.billing.models import (
    Account,
    Bill,
    BillSection,
    Charge,
    ImportBatch,
    Premises,
    Supplier,
)
from kabinet.metering.models import Meter, Reading
from kabinet.payments.models import Payment
from tests.billing.exchange_files import (
    ACCOUNTS,
    BILLS,
    CHARGES,
    METERS,
    PAYMENTS,
    READINGS,
    Utility,
    month_files,
    snapshot,
    write_csv,
    write_jsonl,
)

pytestmark = pytest.mark.django_db


def load(*paths: Path, **kwargs: Any) -> list[ImportBatch]:
    return import_files(list(paths), started_by="test", **kwargs)


def test_it_loads_a_month_of_every_kind(utility: Utility, tmp_path: Path) -> None:
    batches = load(*month_files(tmp_path))

    assert [b.kind for b in batches] == [
        "accounts", "meters", "tariffs", "charges", "bills", "readings", "payments",
    ]  # fmt: skip
    assert all(b.status == ImportBatch.Status.LOADED for b in batches), [b.errors for b in batches]
    assert [b.inserted for b in batches] == [3, 2, 3, 5, 3, 3, 3]

    account = Account.objects.get(supplier=utility.energo, branch=None, number="123")
    assert account.number_display == "л/с 000123"
    assert account.els == "90ВВ144120"
    assert account.izhku == "90ВВ144120-11"
    assert account.premises is not None
    assert account.premises.total_area == Decimal("54.30")
    assert account.premises.residents == 3
    assert Account.objects.get(number="456").branch == utility.north
    assert Account.objects.get(number="456").automatic_readings is True
    assert Account.objects.get(number="789").status == Account.Status.CLOSED

    meter = Meter.objects.get(external_id="M1")
    assert (meter.zones, meter.integer_digits, meter.fraction_digits) == (2, 6, 1)
    assert meter.verification_due == dt.date(2032, 5, 1)

    maintenance = Charge.objects.get(account=account, service=utility.maintenance)
    assert maintenance.supplier == utility.housing
    assert maintenance.unit == "м²"
    assert maintenance.charged == Decimal("1362.93")
    assert maintenance.recalculation == Decimal("-12.50")
    assert maintenance.period == dt.date(2026, 10, 1)

    bill = Bill.objects.get(account=account, period=dt.date(2026, 10, 1))
    assert bill.sections.count() == 2
    assert bill.total == Decimal("854.26") + Decimal("1250.43")
    assert bill.charged == Decimal("854.00") + Decimal("1362.93")
    assert bill.due_date == dt.date(2026, 11, 10)
    assert bill.issued_on == dt.date(2026, 11, 1)
    assert bill.number == "90ВВ144120-10-26"

    r2 = Reading.objects.get(external_id="R2")
    assert (r2.value_1, r2.value_2) == (Decimal("23282.5"), Decimal("7757.0"))
    assert r2.source == Reading.Source.INSPECTOR
    assert r2.period == dt.date(2026, 10, 1)
    assert r2.account_number == "123"
    assert Reading.objects.get(external_id="R1").billed_period == dt.date(2026, 9, 1)
    assert Reading.objects.get(external_id="R3").reject_reason == "Показание меньше предыдущего"

    sber = Payment.objects.get(external_id="SB-1")
    assert sber.amount == Decimal("1150.00")
    assert sber.status == Payment.Status.SUCCEEDED
    assert sber.source == Payment.Source.BILLING
    assert {s.supplier.code: s.amount for s in sber.splits.all()} == {
        "energo": Decimal("150.00"),
        "uk": Decimal("1000.00"),
    }
    # 14:03 in the supplier's zone (Moscow, UTC+3).
    assert sber.paid_at == dt.datetime(2026, 10, 5, 11, 3, tzinfo=dt.UTC)


def test_loading_the_same_files_twice_changes_nothing(utility: Utility, tmp_path: Path) -> None:
    load(*month_files(tmp_path))
    before = snapshot()

    again = load(*month_files(tmp_path))

    assert snapshot() == before
    assert all(b.status == ImportBatch.Status.LOADED for b in again)
    assert [(b.inserted, b.updated) for b in again] == [(0, 0)] * 7
    assert [b.unchanged for b in again] == [3, 2, 3, 5, 3, 3, 3]


def test_it_updates_only_rows_that_changed(utility: Utility, tmp_path: Path) -> None:
    load(*month_files(tmp_path))
    changed = [dict(r) for r in CHARGES]
    changed[0]["charged"] = changed[0]["total"] = "700.00"
    changed.append(
        {"supplier": "energo", "account": "789", "period": "2026-09", "service": "el",
         "charged": "10", "total": "10"}
    )  # fmt: skip

    (batch,) = load(write_csv(tmp_path, "charges_fix.csv", changed))

    assert (batch.inserted, batch.updated, batch.unchanged) == (1, 1, 4)
    line = Charge.objects.get(account__number="123", service=utility.electricity, zone="day")
    assert line.total == Decimal("700.00")


def test_a_bill_is_the_sum_of_its_sections_across_files(utility: Utility, tmp_path: Path) -> None:
    load(*month_files(tmp_path)[:1])
    load(write_csv(tmp_path, "bills_a.csv", BILLS[:1]))
    load(write_csv(tmp_path, "bills_b.csv", BILLS[1:2]))

    bill = Bill.objects.get(account__number="123")
    assert bill.total == Decimal("2104.69")
    assert bill.benefits == Decimal("100.00")

    corrected = [dict(BILLS[1], benefits="150.43", total="1200.00")]
    load(write_csv(tmp_path, "bills_c.csv", corrected))
    bill.refresh_from_db()
    assert bill.total == Decimal("854.26") + Decimal("1200.00")


def test_it_reads_windows_1251_and_json_lines(utility: Utility, tmp_path: Path) -> None:
    accounts = write_csv(tmp_path, "accounts_cp.csv", ACCOUNTS, encoding="cp1251")
    meters = write_jsonl(tmp_path, "meters.jsonl", METERS)

    batches = load(accounts, meters)

    assert [(b.encoding, b.file_format, b.status) for b in batches] == [
        ("cp1251", "csv", "loaded"),
        ("utf-8", "jsonl", "loaded"),
    ]
    assert Account.objects.get(number="123").owner_name == "Иванов И. И."


def test_it_skips_comment_lines_before_the_header(utility: Utility, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "accounts.csv", ACCOUNTS)
    path.write_text("# Реестр от 01.11.2026\n# итого 3\n" + path.read_text("utf-8"), "utf-8")

    (batch,) = load(path)

    assert batch.status == "loaded"
    assert batch.rows == 3


def test_answers_from_billing_update_portal_readings(utility: Utility, tmp_path: Path) -> None:
    load(*month_files(tmp_path)[:2])
    meter = Meter.objects.get(external_id="M1")
    submitted = Reading.objects.create(
        meter=meter, period=dt.date(2026, 11, 1), taken_on=dt.date(2026, 11, 20),
        source=Reading.Source.PORTAL, value_1=Decimal("23400"), value_2=Decimal("7800"),
    )  # fmt: skip
    other = Reading.objects.create(  # a month earlier: one open submission a period
        meter=meter, period=dt.date(2026, 10, 1), taken_on=dt.date(2026, 10, 20),
        source=Reading.Source.PORTAL, value_1=Decimal("1"), value_2=Decimal("1"),
    )  # fmt: skip
    answers = [
        {"supplier": "energo", "meter_id": "M1", "portal_id": submitted.pk, "reading_id": "B-9",
         "status": "accepted"},
        {"supplier": "energo", "meter_id": "M1", "portal_id": other.pk, "status": "rejected",
         "reason": "Показание меньше предыдущего"},
    ]  # fmt: skip

    (batch,) = load(write_csv(tmp_path, "readings_answers.csv", answers))

    assert batch.status == "loaded", batch.errors
    submitted.refresh_from_db()
    other.refresh_from_db()
    assert (submitted.status, submitted.external_id) == ("accepted", "B-9")
    assert (other.status, other.reject_reason) == ("rejected", "Показание меньше предыдущего")
    (again,) = load(write_csv(tmp_path, "readings_answers.csv", answers))
    assert (again.updated, again.unchanged) == (0, 2)


def test_a_payment_is_exactly_what_its_rows_say(utility: Utility, tmp_path: Path) -> None:
    load(*month_files(tmp_path))
    only_energo = [dict(PAYMENTS[0], amount="200")]

    load(write_csv(tmp_path, "payments_fix.csv", only_energo))

    payment = Payment.objects.get(external_id="SB-1")
    assert payment.amount == Decimal("200.00")
    assert [(s.supplier.code, s.amount) for s in payment.splits.all()] == [
        ("energo", Decimal("200.00"))
    ]


def test_the_command_reports_counts_and_exits_zero(
    utility: Utility, tmp_path: Path, capsys: Any
) -> None:
    call_command("import_billing", *map(str, month_files(tmp_path)[:2]))

    out = capsys.readouterr().out
    assert "accounts.csv [accounts]: 3 строк — добавлено 3" in out
    assert "meters.csv [meters]: 2 строк — добавлено 2" in out


def test_the_command_prints_every_error_and_exits_one(
    utility: Utility, tmp_path: Path, capsys: Any
) -> None:
    bad = [dict(ACCOUNTS[0], total_area="1 234,56"), dict(ACCOUNTS[1], opened_on="12.13.2024")]
    path = write_csv(tmp_path, "accounts.csv", bad)

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_billing", str(path))

    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "accounts.csv: строка 2, столбец «total_area»: «1 234,56»: площадь без пробелов" in err
    assert "accounts.csv: строка 3, столбец «opened_on»: «12.13.2024»: такой даты нет." in err


def test_the_command_refuses_a_file_of_unknown_kind(tmp_path: Path, db: None) -> None:
    from django.core.management.base import CommandError

    path = tmp_path / "misc.csv"
    path.write_text("a;b\n1;2\n", "utf-8")
    with pytest.raises(CommandError, match="--kind"):
        call_command("import_billing", str(path))


def _mutate(rows: list[dict[str, Any]], index: int, **changes: Any) -> list[dict[str, Any]]:
    copy = [dict(r) for r in rows]
    copy[index].update(changes)
    return copy


BAD_FILES = {
    "malformed money": ("charges.csv", _mutate(CHARGES, 1, charged="1 234,56"), 3, "charged"),
    "money with three places": ("charges.csv", _mutate(CHARGES, 0, total="1.005"), 2, "total"),
    "exponent": ("charges.csv", _mutate(CHARGES, 0, total="1e3"), 2, "total"),
    "impossible date": (
        "accounts.csv", _mutate(ACCOUNTS, 2, closed_on="12.13.2024"), 4, "closed_on"),
    "february 30": ("tariffs.csv", [{"supplier": "energo", "service": "el", "name": "x",
                     "price": "1", "valid_from": "2026-02-30"}], 2, "valid_from"),
    "unknown account": ("charges.csv", _mutate(CHARGES, 4, account="999"), 6, "account"),
    "account of another branch": ("charges.csv", _mutate(CHARGES, 4, branch=""), 6, "account"),
    "unknown branch": ("charges.csv", _mutate(CHARGES, 4, branch="south"), 6, "branch"),
    "unknown service": ("charges.csv", _mutate(CHARGES, 2, service="gas"), 4, "service"),
    "unknown supplier": ("tariffs.csv", [{"supplier": "nobody", "service": "el", "name": "x",
                         "price": "1", "valid_from": "2026-01-01"}], 2, "supplier"),
    "unknown meter": ("readings.csv", _mutate(READINGS, 1, meter_id="M404"), 3, "meter_id"),
    "duplicate key": ("charges.csv", [*CHARGES, CHARGES[1]], 7, "service"),
    "negative volume": ("charges.csv", _mutate(CHARGES, 0, volume="-5"), 2, "volume"),
    "future period": ("charges.csv", _mutate(CHARGES, 0, period="2027-01"), 2, "period"),
    "month 13": ("bills.csv", _mutate(BILLS, 0, period="2026-13"), 2, "period"),
    "missing required value": ("bills.csv", _mutate(BILLS, 1, total=""), 3, "total"),
    "charge line whose columns do not give its total": (
        "charges.csv", _mutate(CHARGES, 0, total="699.00"), 2, "total"),
    "section whose amounts do not give its total": (
        "bills.csv", _mutate(BILLS, 2, charged="558.00"), 4, "total"),
    "section total that is not the sum of its lines": (
        "bills.csv", _mutate(BILLS, 2, charged="600.00", total="600.00"), 4, "total"),
    "bad ЕЛС": ("accounts.csv", _mutate(ACCOUNTS, 0, els="90BB144120"), 2, "els"),
    "reading with too many fraction digits": (
        "readings.csv", _mutate(READINGS, 0, value_1="23182.55"), 2, "value_1"),
    "reading of a 2-zone meter without night": (
        "readings.csv", _mutate(READINGS, 0, value_2=""), 2, "value_2"),
    "reading over the meter's capacity": (
        "readings.csv", _mutate(READINGS, 2, value_1="100000"), 4, "value_1"),
    "reading in the future": (
        "readings.csv", _mutate(READINGS, 1, taken_on="2026-12-01"), 3, "taken_on"),
    "rejected reading without a reason": (
        "readings.csv", _mutate(READINGS, 2, reason=""), 4, "reason"),
    "answer to an unknown portal reading": (
        "readings.csv", [{"supplier": "energo", "meter_id": "M1", "portal_id": "999999",
                          "status": "accepted"}], 2, "portal_id"),
    "zero payment": ("payments.csv", _mutate(PAYMENTS, 2, amount="0"), 4, "amount"),
    "payment rows that disagree": (
        "payments.csv", _mutate(PAYMENTS, 1, channel="post"), 3, "payment_id"),
    "unknown channel": ("payments.csv", _mutate(PAYMENTS, 0, channel="pigeon"), 2, "channel"),
    "premises described twice differently": (
        "accounts.csv", _mutate(ACCOUNTS, 1, premises_id="P1"), 3, "premises_id"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_file_with_an_error_loads_nothing_and_says_where(
    case: str, utility: Utility, tmp_path: Path
) -> None:
    name, rows, line, column = BAD_FILES[case]
    (tmp_path / "month").mkdir()
    load(*month_files(tmp_path / "month"))
    before = snapshot()
    good_rows_before = ImportBatch.objects.filter(status="loaded").count()

    (batch,) = load(write_csv(tmp_path, name, rows))

    assert batch.status == ImportBatch.Status.REJECTED
    assert batch.error_count >= 1
    first = batch.errors[0]
    assert (first["file"], first["line"], first["column"]) == (name, line, column), batch.errors
    assert first["message"]
    assert snapshot() == before
    assert ImportBatch.objects.filter(status="loaded").count() == good_rows_before


def test_it_reports_a_missing_and_an_unknown_column(utility: Utility, tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "premises_id"} | {"acount": "1"} for r in ACCOUNTS]

    (batch,) = load(write_csv(tmp_path, "accounts.csv", rows))

    assert batch.status == "rejected"
    assert {(e["line"], e["column"]) for e in batch.errors} == {(1, "acount"), (1, "premises_id")}
    assert Account.objects.count() == 0


def test_it_reports_a_row_with_too_few_cells(utility: Utility, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "accounts.csv", ACCOUNTS)
    path.write_text(path.read_text("utf-8") + "energo;;42\n", "utf-8")

    (batch,) = load(path)

    assert batch.status == "rejected"
    assert batch.errors[0]["line"] == 5
    assert "значений" in batch.errors[0]["message"]


def test_it_reports_a_wrong_encoding_with_its_line(utility: Utility, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "accounts.csv", ACCOUNTS, encoding="cp1251")

    (batch,) = load(path, encoding="utf-8")

    assert batch.status == "rejected"
    assert batch.errors[0]["line"] == 2
    assert "UTF-8" in batch.errors[0]["message"]


def test_a_broken_json_line_is_reported(utility: Utility, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path, "accounts.jsonl", ACCOUNTS)
    path.write_text(path.read_text("utf-8") + "{not json\n", "utf-8")

    (batch,) = load(path)

    assert batch.status == "rejected"
    assert batch.errors[0]["line"] == 4


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        (
            '{"account": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "Строка не является JSON-объектом: слишком глубокая вложенность.",
        ),
        (
            json.dumps(dict(ACCOUNTS[0], residents="N")).replace('"N"', "7" * 5_000),
            "«" + "7" * 5_000 + "» — не целое неотрицательное число.",
        ),
        (
            '{"account": "1", "owner_name": {"first": "Анна"}}',
            "Значение поля «owner_name» должно быть строкой, числом или null.",
        ),
    ],
    ids=["nested-100000-deep", "5000-digit-integer", "object-value"],
)
def test_a_json_line_outside_the_format_is_refused_with_its_line(
    utility: Utility, tmp_path: Path, capsys: Any, bad_line: str, message: str
) -> None:
    path = write_jsonl(tmp_path, "accounts.jsonl", ACCOUNTS)
    path.write_text(path.read_text("utf-8") + bad_line + "\n", "utf-8")

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_billing", str(path))

    assert exit_info.value.code == 1
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REJECTED
    assert batch.finished_at is not None
    assert (batch.errors[0]["line"], batch.errors[0]["message"]) == (4, message)
    assert "accounts.jsonl: строка 4" in capsys.readouterr().err
    assert Account.objects.count() == 0


def test_json_numbers_are_read_as_written_not_through_float(
    utility: Utility, tmp_path: Path
) -> None:
    # As a float 0.30000000000000004 would be read as 0.3; written as text it has too many
    # decimals for an area, like the same cell in CSV. 1e3 is refused the same way.
    lines = [
        json.dumps(dict(ACCOUNTS[0], total_area="A")).replace('"A"', "54.25"),
        json.dumps(dict(ACCOUNTS[1], total_area="A")).replace('"A"', "0.30000000000000004"),
        json.dumps(dict(ACCOUNTS[2], total_area="A")).replace('"A"', "1e3"),
    ]
    path = tmp_path / "accounts.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")

    (batch,) = load(path)

    assert batch.status == ImportBatch.Status.REJECTED
    assert [(e["line"], e["column"]) for e in batch.errors] == [
        (2, "total_area"),
        (3, "total_area"),
    ]


def test_an_unexpected_error_fails_the_batch_with_its_line_and_exit_one(
    utility: Utility, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kabinet.billing.exchange import kinds

    def add(self: Any, row: Any) -> None:
        if self.report.line == 3:
            raise KeyError("a bug")

    monkeypatch.setattr(kinds.AccountsKind, "add", add)
    path = write_csv(tmp_path, "accounts.csv", ACCOUNTS)

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_billing", str(path))

    assert exit_info.value.code == 1
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.finished_at is not None
    assert batch.message.startswith("Внутренняя ошибка на строке 3, ничего не загружено")
    assert batch.errors[0]["line"] == 3
    assert "accounts.csv [accounts]: Внутренняя ошибка на строке 3" in capsys.readouterr().err
    assert Account.objects.count() == 0


def test_every_error_is_counted_but_only_the_first_thousand_kept(
    utility: Utility, tmp_path: Path
) -> None:
    rows = [
        dict(ACCOUNTS[0], account=str(i), premises_id=f"P{i}", total_area="x") for i in range(1200)
    ]

    (batch,) = load(write_csv(tmp_path, "accounts.csv", rows))

    assert batch.error_count == 1200
    assert len(batch.errors) == 1000


def test_a_file_is_archived_with_its_checksum(
    utility: Utility, tmp_path: Path, settings: Any
) -> None:
    import hashlib

    path = write_csv(tmp_path, "accounts.csv", ACCOUNTS)

    (batch,) = load(path)

    archived = Path(settings.IMPORT_ARCHIVE_DIR) / f"{batch.pk:06d}_accounts.csv"
    assert archived.read_bytes() == path.read_bytes()
    assert batch.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert batch.started_by == "test"
    assert batch.finished_at is not None


def test_a_nul_byte_is_refused_with_its_line(utility: Utility, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "accounts.csv", _mutate(ACCOUNTS, 1, owner_name="Пет\x00ров"))

    (batch,) = load(path)

    assert batch.status == "rejected"
    assert batch.errors[0]["line"] == 3
    assert Account.objects.count() == 0


def test_zero_residents_and_rooms_stay_zero(utility: Utility, tmp_path: Path) -> None:
    rows = [dict(ACCOUNTS[0], residents="0", rooms="0", total_area="0", living_area="")]

    load(write_csv(tmp_path, "accounts.csv", rows))

    premises = Premises.objects.get(external_id="P1")
    assert (premises.residents, premises.rooms, premises.total_area) == (0, 0, Decimal("0.00"))


def test_a_large_file_refreshes_the_planner_statistics_of_what_it_wrote(
    utility: Utility, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that writes ANALYZE_AFTER_ROWS rows into a table analyses that table, so the
    first customers after a monthly import do not meet plans made without statistics."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kabinet.billing.exchange import importer

    monkeypatch.setattr(importer, "ANALYZE_AFTER_ROWS", 3)
    with CaptureQueriesContext(connection) as queries:
        load(*month_files(tmp_path))
    analysed = {q["sql"].split()[1].strip('"`') for q in queries if q["sql"].startswith("ANALYZE")}
    # 3 accounts, 5 charges, 3 readings…; the 2 meters stay below the limit.
    assert {"billing_account", "billing_charge", "metering_reading"} <= analysed
    assert "metering_meter" not in analysed

    monkeypatch.setattr(importer, "ANALYZE_AFTER_ROWS", 1000)
    (tmp_path / "again").mkdir()
    with CaptureQueriesContext(connection) as queries:
        load(*month_files(tmp_path / "again"))
    assert not [q for q in queries if q["sql"].startswith("ANALYZE")]


@pytest.mark.parametrize(
    ("name", "rows", "line"), [("bills.csv", BILLS, 3), ("charges.csv", CHARGES, 4)]
)
def test_a_row_for_a_recipient_whose_account_fails_its_bic_is_refused(
    name: str, rows: list[dict[str, Any]], line: int, utility: Utility, tmp_path: Path
) -> None:
    (tmp_path / "accounts").mkdir()
    load(write_csv(tmp_path / "accounts", "accounts.csv", ACCOUNTS))
    # One mistyped digit, saved past the admin's check (as an older release allowed).
    Supplier.objects.filter(pk=utility.housing.pk).update(settlement_account="40702810938000000002")

    (batch,) = load(write_csv(tmp_path, name, rows))

    assert batch.status == ImportBatch.Status.REJECTED
    assert [(e["line"], e["column"]) for e in batch.errors] == [(line, "recipient")]
    message = batch.errors[0]["message"]
    assert "«uk» (УК Уют)" in message
    assert "Расчётный счёт не сходится с БИК" in message
    assert not Bill.objects.exists()
    assert not Charge.objects.exists()


def test_the_supplier_is_the_recipient_at_fault_when_the_row_names_none(
    utility: Utility, tmp_path: Path
) -> None:
    (tmp_path / "accounts").mkdir()
    load(write_csv(tmp_path / "accounts", "accounts.csv", ACCOUNTS))
    Supplier.objects.filter(pk=utility.energo.pk).update(bic="046850649")

    (batch,) = load(write_csv(tmp_path, "bills.csv", BILLS))

    assert [(e["line"], e["column"]) for e in batch.errors] == [(2, "supplier"), (4, "supplier")]
    assert "«energo» (Энергосбыт)" in batch.errors[0]["message"]


def test_a_section_carries_the_customers_number_and_izhku_at_its_recipient(
    utility: Utility, tmp_path: Path
) -> None:
    (tmp_path / "month").mkdir()
    load(*month_files(tmp_path / "month"))
    rows = _mutate(BILLS, 1, recipient_account=" 0045-778 ", recipient_izhku="90ВВ144120-12")

    (batch,) = load(write_csv(tmp_path, "bills.csv", rows))

    assert (batch.status, batch.updated, batch.unchanged) == ("loaded", 1, 2)
    sections = {
        s.supplier.code: s
        for s in BillSection.objects.filter(bill__period=dt.date(2026, 10, 1)).select_related(
            "supplier"
        )
    }
    # As billing gave it: the recipient's own form, zeros and dash kept.
    assert (sections["uk"].account_number, sections["uk"].izhku) == ("0045-778", "90ВВ144120-12")
    assert (sections["energo"].account_number, sections["energo"].izhku) == ("", "")
    (again,) = load(write_csv(tmp_path, "bills.csv", rows))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_a_malformed_recipient_izhku_is_refused(utility: Utility, tmp_path: Path) -> None:
    (tmp_path / "accounts").mkdir()
    load(write_csv(tmp_path / "accounts", "accounts.csv", ACCOUNTS))

    (batch,) = load(write_csv(tmp_path, "bills.csv", _mutate(BILLS, 1, recipient_izhku="12")))

    assert [(e["line"], e["column"]) for e in batch.errors] == [(3, "recipient_izhku")]


def test_json_numbers_are_read_as_the_digits_billing_wrote(
    utility: Utility, tmp_path: Path
) -> None:
    (tmp_path / "accounts").mkdir()
    load(write_csv(tmp_path / "accounts", "accounts.csv", ACCOUNTS))
    # Raw JSON numbers, read as the text they are: through a float «1e3» became «1000.0», money
    # the contract refuses.
    path = tmp_path / "bills.jsonl"
    path.write_text(
        '{"supplier": "energo", "account": "123", "period": "2026-10", '
        '"charged": 9999999999.99, "paid": 0.1, "total": 9999999999.89}\n'
        '{"supplier": "energo", "branch": "north", "account": "456", "period": "2026-10", '
        '"total": 1e3}\n',
        "utf-8",
    )

    (batch,) = load(path)

    assert [(e["line"], e["column"]) for e in batch.errors] == [(2, "total")]
    path.write_text(path.read_text("utf-8").replace("1e3", "1000"), "utf-8")
    (batch,) = load(path)
    assert batch.status == ImportBatch.Status.LOADED
    bill = Bill.objects.get(account__number="123")
    assert (bill.charged, bill.paid, bill.total) == (
        Decimal("9999999999.99"),
        Decimal("0.10"),
        Decimal("9999999999.89"),
    )


def test_progress_in_a_log_is_a_line_per_tenth_and_starts_over_after_a_fallback() -> None:
    import io

    from kabinet.billing.exchange.importer import ProgressLines

    stream = io.StringIO()
    progress = ProgressLines("charges.csv", 1000, stream)
    for _ in range(5):
        progress.update(100)
    progress.update(-500)  # the bulk load gave the file to the row-by-row reader
    for _ in range(10):
        progress.update(100)

    lines = stream.getvalue().splitlines()
    assert [line.split(": ")[1].split(" (")[0] for line in lines] == [
        *(f"{p} %" for p in range(10, 60, 10)),
        *(f"{p} %" for p in range(10, 110, 10)),
    ]
    assert lines[-1].startswith("charges.csv: 100 % (1 000 из 1 000 строк")
