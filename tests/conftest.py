from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_var_dirs(settings: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Files a test writes (import archive, exports, uploads) go to its own temporary folder."""
    settings.IMPORT_ARCHIVE_DIR = tmp_path / "imports"  # type: ignore[attr-defined]
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
    settings.UPLOADS_ROOT = tmp_path / "uploads"  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate-limit counters and used captcha challenges live in the cache: no test sees another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
