"""Mutated billing files of every kind, CSV and JSON lines, never crash the importer and never
half-load: each is loaded whole or refused with the line of every error, never left «running»."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.billing.exchange.engine import KINDS
from kabinet.billing.exchange.importer import import_files
from kabinet.billing.models import ImportBatch
from tests.billing.exchange_files import (
    ACCOUNTS,
    BILLS,
    CHARGES,
    METERS,
    PAYMENTS,
    READINGS,
    TARIFFS,
    Utility,
    csv_text,
    month_files,
    snapshot,
)

pytestmark = pytest.mark.django_db

# Every kind the importer knows (test_every_kind_is_fuzzed keeps the list complete).
FILES = {
    "accounts": ACCOUNTS,
    "meters": METERS,
    "tariffs": TARIFFS,
    "charges": CHARGES,
    "bills": BILLS,
    "readings": READINGS,
    "payments": PAYMENTS,
}
NASTY = [
    "", " ", "0", "-0", "-1", "1 234,56", "1,234.56", "1e3", "NaN", "Infinity", "9" * 30,
    "12.13.2024", "2026-02-30", "2026-13", "13.2026", "2099-01", "2026-10", "01.10.2026",
    "абв", "'; DROP TABLE billing_charge; --", '"', ";", "\n", "\\N", "\x00", "1\u00a0000",
    "л/с 000123", "123", "456", "energo", "uk", "north", "el", "peni", "M1", "M2", "night",
]  # fmt: skip


# JSON values as written in the file: numbers past what int() and float() take, arrays nested
# past the decoder's recursion limit, and the value types the format does not allow.
NASTY_JSON = [
    "7" * 5_000, "-" + "9" * 4_301, "1e400", "-0.0", "1E3", "0.30000000000000004", "NaN",
    "Infinity", "true", "false", "null", "{}", "[]", '{"a": [1, 2]}', '"1 234,56"',
    "[" * 100_000 + "]" * 100_000, '{"a": ' * 2_000 + "1" + "}" * 2_000, "[" * 50 + "]" * 50,
]  # fmt: skip


@st.composite
def mutated_rows(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    kind = draw(st.sampled_from(sorted(FILES)))
    rows = [dict(r) for r in FILES[kind]]
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["cell", "drop", "duplicate", "rename"]))
        index = draw(st.integers(0, len(rows) - 1))
        if action == "cell":
            column = draw(st.sampled_from(sorted(rows[index])))
            rows[index][column] = draw(st.sampled_from(NASTY) | st.text(max_size=12))
        elif action == "drop" and len(rows) > 1:
            rows.pop(index)
        elif action == "duplicate":
            rows.append(dict(rows[index]))
        elif action == "rename":
            column = draw(st.sampled_from(sorted(rows[index])))
            rows = [{(k + "x" if k == column else k): v for k, v in r.items()} for r in rows]
    return kind, rows


def spliced(draw: st.DrawFn, data: bytes) -> bytes:
    """Sometimes a few random bytes somewhere, as a broken transfer leaves them."""
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(max_size=6)) + data[cut:]
    return data


@st.composite
def mutated_csv(draw: st.DrawFn) -> tuple[str, bytes]:
    kind, rows = draw(mutated_rows())
    data = csv_text(rows).encode(draw(st.sampled_from(["utf-8", "cp1251"])), "replace")
    return f"{kind}.csv", spliced(draw, data)


@st.composite
def mutated_jsonl(draw: st.DrawFn) -> tuple[str, bytes]:
    kind, rows = draw(mutated_rows())
    lines = []
    for row in rows:
        # Each value as JSON text, so a cell can hold what json.dumps would never write.
        values = {key: json.dumps(value, ensure_ascii=False) for key, value in row.items()}
        if draw(st.booleans()):
            key = draw(st.sampled_from(sorted(values)))
            values[key] = draw(st.sampled_from(NASTY_JSON))
        fields = ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {v}" for k, v in values.items())
        lines.append("{" + fields + "}\n")
    return f"{kind}.jsonl", spliced(draw, "".join(lines).encode())


def check_loaded_whole_or_refused(case: tuple[str, bytes], tmp_path: Path) -> None:
    base = tmp_path / "base"
    if not base.exists():
        base.mkdir()
        # Accounts and meters are in place so most mutations reach the deeper checks.
        import_files(month_files(base)[:2], started_by="test")
    name, data = case
    path = tmp_path / name
    path.write_bytes(data)
    before = snapshot()

    (batch,) = import_files([path], started_by="test")

    assert batch.status in {ImportBatch.Status.LOADED, ImportBatch.Status.REJECTED}, batch.message
    assert batch.finished_at is not None
    if batch.status == ImportBatch.Status.REJECTED:
        assert batch.error_count > 0
        assert all(error["line"] >= 1 for error in batch.errors), batch.errors
        assert snapshot() == before
    else:
        assert batch.errors == []
        assert batch.inserted + batch.updated + batch.unchanged == batch.rows


FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(case=mutated_csv())
def test_a_mutated_csv_file_never_crashes_and_never_half_loads(
    case: tuple[str, bytes], utility: Utility, tmp_path: Path
) -> None:
    check_loaded_whole_or_refused(case, tmp_path)


@FUZZ
@given(case=mutated_jsonl())
def test_a_mutated_json_lines_file_never_crashes_and_never_half_loads(
    case: tuple[str, bytes], utility: Utility, tmp_path: Path
) -> None:
    check_loaded_whole_or_refused(case, tmp_path)


def test_every_kind_is_fuzzed() -> None:
    assert set(FILES) == set(KINDS)
