from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.billing.exchange_files import Utility


@pytest.fixture
def utility(db: None, time_machine_period: None) -> Utility:
    return Utility()


@pytest.fixture
def time_machine_period(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin "today" to 2026-11-21 so periods and future-date checks don't drift with the clock."""
    pinned = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: pinned)
