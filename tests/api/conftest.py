from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    """Login throttles count in the cache; a test starts with none spent."""
    cache.clear()
    yield
    cache.clear()
