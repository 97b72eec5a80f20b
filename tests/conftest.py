from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_var_dirs(settings: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Files a test writes (import archive, exports, uploads) go to its own temporary folder."""
    settings.IMPORT_ARCHIVE_DIR = tmp_path / "imports"  # type: ignore[attr-defined]
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
