"""Mutated billing files never crash the importer and never half-load."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.billing.exchange.importer import import_files
from kabinet.billing.models import ImportBatch
from tests.billing.exchange_files import (
    ACCOUNTS,
    CHARGES,
    METERS,
    PAYMENTS,
    READINGS,
    Utility,
    csv_text,
    month_files,
    snapshot,
)

pytestmark = pytest.mark.django_db

FILES = {
    "accounts.csv": ACCOUNTS,
    "meters.csv": METERS,
    "charges.csv": CHARGES,
    "readings.csv": READINGS,
    "payments.csv": PAYMENTS,
}
NASTY = [
    "", " ", "0", "-0", "-1", "1 234,56", "1,234.56", "1e3", "NaN", "Infinity", "9" * 30,
    "12.13.2024", "2026-02-30", "2026-13", "13.2026", "2099-01", "2026-10", "01.10.2026",
    "абв", "'; DROP TABLE billing_charge; --", '"', ";", "\n", "\\N", "\x00", "1\u00a0000",
    "л/с 000123", "123", "456", "energo", "uk", "north", "el", "peni", "M1", "M2", "night",
]  # fmt: skip


@st.composite
def mutated_file(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(FILES)))
    rows = [dict(r) for r in FILES[name]]
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
    data = csv_text(rows).encode(draw(st.sampled_from(["utf-8", "cp1251"])), "replace")
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(max_size=6)) + data[cut:]
    return name, data


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=mutated_file())
def test_the_importer_never_crashes_and_never_half_loads(
    case: tuple[str, bytes], utility: Utility, tmp_path: Path
) -> None:
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
    if batch.status == ImportBatch.Status.REJECTED:
        assert batch.error_count > 0
        assert snapshot() == before
    else:
        assert batch.errors == []
        assert batch.inserted + batch.updated + batch.unchanged == batch.rows
