"""The bulk path of the charges import (COPY + SQL checks, PostgreSQL) loads exactly what the
row-by-row path loads and refuses exactly what it refuses, with the same errors by line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.billing.exchange import bulk, importer
from kabinet.billing.exchange.importer import import_files
from kabinet.billing.models import Charge, ImportBatch
from tests.billing.exchange_files import CHARGES, Utility, csv_text, month_files

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the bulk path is PostgreSQL's (COPY)"
    ),
]


@pytest.fixture
def bulk_calls(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """What each bulk attempt returned: rows staged, or None where the Python path took over."""
    calls: list[int | None] = []
    real = bulk.stage_in_bulk

    def spy(*args: Any, **kwargs: Any) -> int | None:
        result = real(*args, **kwargs)
        calls.append(result)
        return result

    monkeypatch.setattr(bulk, "stage_in_bulk", spy)
    return calls


@pytest.fixture
def base(utility: Utility, tmp_path: Path) -> Path:
    folder = tmp_path / "base"
    folder.mkdir()
    import_files(month_files(folder)[:2], started_by="test")  # accounts and meters
    return folder


KEY = ("account_id", "period", "supplier_id", "service_id", "zone")
CHARGE_FIELDS = (
    *KEY, "tariff_code", "unit", "norm", "volume", "volume_common", "volume_basis", "tariff",
    "opening_balance", "charged", "surcharge", "recalculation", "recalculation_reason",
    "benefits", "paid", "total",
)  # fmt: skip


def outcome(path: Path, *, use_bulk: bool, preload: Path | None = None) -> dict[str, Any]:
    """Import the file on one path and say what happened; nothing of it stays in the database."""
    importer.BULK = use_bulk
    try:
        with transaction.atomic():
            if preload is not None:
                import_files([preload], started_by="test")
            (batch,) = import_files([path], started_by="test")
            result = {
                "status": batch.status,
                "message": batch.message,
                "rows": batch.rows,
                "counts": (batch.inserted, batch.updated, batch.unchanged),
                "errors": batch.errors,
                "error_count": batch.error_count,
                "charges": list(Charge.objects.order_by(*KEY).values_list(*CHARGE_FIELDS)),
            }
            transaction.set_rollback(True)
    finally:
        importer.BULK = True
    return result


def test_a_clean_month_goes_the_bulk_way_to_the_same_rows(
    base: Path, tmp_path: Path, bulk_calls: list[int | None]
) -> None:
    path = tmp_path / "charges.csv"
    path.write_text(csv_text(CHARGES), "utf-8")

    slow = outcome(path, use_bulk=False)
    fast = outcome(path, use_bulk=True)

    assert bulk_calls == [len(CHARGES)]
    assert fast == slow
    assert fast["status"] == ImportBatch.Status.LOADED
    assert fast["counts"] == (len(CHARGES), 0, 0)


def test_a_reload_counts_updates_and_unchanged_rows_alike(
    base: Path, tmp_path: Path, bulk_calls: list[int | None]
) -> None:
    first = tmp_path / "first" / "charges.csv"
    first.parent.mkdir()
    first.write_text(csv_text(CHARGES), "utf-8")
    changed = [dict(row) for row in CHARGES]
    changed[0] |= {"charged": "700.00", "total": "700.00"}
    path = tmp_path / "charges.csv"
    # Windows line ends, windows-1251, a comment and a blank line before the header.
    text = "# выгрузка за октябрь\n\n" + csv_text(changed)
    path.write_bytes(text.replace("\n", "\r\n").encode("cp1251"))

    slow = outcome(path, use_bulk=False, preload=first)
    fast = outcome(path, use_bulk=True, preload=first)

    assert bulk_calls[-1] == len(CHARGES)
    assert fast == slow
    assert fast["counts"] == (0, 1, len(CHARGES) - 1)


@pytest.mark.parametrize(
    ("column", "value", "line"),
    [
        ("total", "699.00", 2),  # the row does not add up
        ("account", "999", 3),  # no such account
        ("period", "2099-01", 4),  # a future period
        ("charged", "1 234,56", 5),  # grouped digits
        ("service", "gas", 6),  # no such service
    ],
)
def test_a_bad_row_is_reported_by_line_as_the_python_path_reports_it(
    base: Path, tmp_path: Path, column: str, value: str, line: int
) -> None:
    rows = [dict(row) for row in CHARGES]
    rows[line - 2][column] = value
    path = tmp_path / "charges.csv"
    path.write_text(csv_text(rows), "utf-8")

    slow = outcome(path, use_bulk=False)
    fast = outcome(path, use_bulk=True)

    assert fast == slow
    assert fast["status"] == ImportBatch.Status.REJECTED
    assert fast["charges"] == []
    assert {error["line"] for error in fast["errors"]} == {line}


def test_a_repeated_line_is_refused_on_both_paths(base: Path, tmp_path: Path) -> None:
    path = tmp_path / "charges.csv"
    path.write_text(csv_text([*CHARGES, CHARGES[1]]), "utf-8")

    fast = outcome(path, use_bulk=True)

    assert fast == outcome(path, use_bulk=False)
    assert fast["status"] == ImportBatch.Status.REJECTED
    assert fast["errors"][0]["line"] == len(CHARGES) + 2


# Cells as billing writes them and as it should not: the bulk SQL reads some of them, leaves the
# others to the Python path; either way the outcome must be the Python path's.
CELLS = [
    "", " ", "0", "-0", "-1", "0.001", "1.", ",5", "1,5", "12.3456", "12.34567", "1 234,56",
    "1e3", "NaN", "9" * 13, "٣", "2026-10", "2026-10-01", "10.2026", "2026-13", "00.2026",
    "1899-12", "2026-11", "2026-12", "2099-01", "abc", "Day", "day", "night", "single", "METER",
    "meter", "norm", "123", "0123", "00123", "л/с 123", "N123", "12-3", "45 6", "456", "1" * 31,
    "energo", "uk", "north", "el", "peni", "maint", "x" * 33, "\u00a0el\u00a0", " el ",
    "Perekhod", "ё" * 16, "ё" * 17, "#", "\t",
]  # fmt: skip


@st.composite
def charges_files(draw: st.DrawFn) -> bytes:
    rows = [dict(row) for row in CHARGES]
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["cell", "cell", "cell", "drop", "duplicate", "column"]))
        index = draw(st.integers(0, len(rows) - 1))
        if action == "cell":
            column = draw(st.sampled_from(sorted(bulk_columns())))
            rows[index][column] = draw(st.sampled_from(CELLS) | st.text(max_size=6))
        elif action == "drop" and len(rows) > 1:
            rows.pop(index)
        elif action == "duplicate":
            rows.append(dict(rows[index]))
        else:  # a column dropped from every row, or one nobody knows
            column = draw(st.sampled_from([*sorted(bulk_columns()), "extra"]))
            rows = [{k: v for k, v in row.items() if k != column} for row in rows]
            if column == "extra":
                rows = [{**row, "extra": "1"} for row in rows]
    text = csv_text(rows)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.booleans()):
        lines = text.splitlines(keepends=True)
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, draw(st.sampled_from(["\n", "   \n", "\u00a0\n", ";;\n", "#x\n"])))
        text = "".join(lines)
    return text.encode(draw(st.sampled_from(["utf-8", "cp1251"])), "replace")


def bulk_columns() -> set[str]:
    return {name for row in CHARGES for name in row} | {
        "branch", "recipient", "unit", "norm", "volume_common", "surcharge", "zone",
    }  # fmt: skip


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=charges_files(), reload=st.booleans())
def test_the_bulk_path_never_loads_what_the_python_path_refuses(
    data: bytes, reload: bool, base: Path, tmp_path: Path
) -> None:
    first = tmp_path / "first" / "charges.csv"
    if not first.exists():
        first.parent.mkdir()
        first.write_text(csv_text(CHARGES), "utf-8")
    path = tmp_path / "charges.csv"
    path.write_bytes(data)
    preload = first if reload else None

    assert outcome(path, use_bulk=True, preload=preload) == outcome(
        path, use_bulk=False, preload=preload
    )


def test_the_bulk_path_reads_every_charges_column() -> None:
    from kabinet.billing.exchange.kinds import ChargesKind

    assert set(ChargesKind.CELLS) == {c.name for c in ChargesKind.columns}
