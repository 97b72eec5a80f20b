from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from django.test import Client

    from kabinet.identity.models import User


@pytest.fixture(autouse=True)
def _isolated_var_dirs(settings: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Files a test writes (import archive, exports, uploads) go to its own temporary folder."""
    settings.IMPORT_ARCHIVE_DIR = tmp_path / "imports"  # type: ignore[attr-defined]
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
    settings.UPLOADS_ROOT = tmp_path / "uploads"  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate-limit counters, used captcha challenges and cached markup: no test sees another's."""
    from django.core.cache import cache, caches

    # Fragments too: a test that changes settings must not get markup another test rendered.
    fragments = caches["template_fragments"]
    cache.clear()
    fragments.clear()
    yield
    cache.clear()
    fragments.clear()


@pytest.fixture
def customer() -> User:
    """A customer with confirmed phone and e-mail (modules may define their own)."""
    from tests.factories import make_customer

    return make_customer()


@pytest.fixture
def client_in(client: Client, customer: User) -> Client:
    """The test client logged in as ``customer``."""
    client.force_login(customer)
    return client
