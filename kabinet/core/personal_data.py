"""The pieces every app uses to export and erase what it keeps about a person (152-FZ).

The acts themselves are identity's (``kabinet.identity.services.personal_data``): the export of
everything kept about a person and the deletion of their account. Identity sits below the apps
that keep the rest (billing, metering, payments, documents, support) and may not import them,
so each of those apps has a ``personal_data`` module, listed in ``settings.PERSONAL_DATA_MODULES``,
with:

* ``COVERS``: a dict "app.Model.field" → what the deletion does with it, for every field that
  points to a user or holds a person's details (a test walks the models and fails on a field
  no module names);
* ``export_personal_data(*, user) -> dict[str, list[dict]]``: sections of the export;
* ``erase_personal_data(*, user) -> None``: called in the deletion's transaction, before the
  user row goes, so the rows still point to the person.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils.crypto import salted_hmac

from kabinet.core.uploads import private_storage

logger = logging.getLogger(__name__)


def plain(value: Any) -> Any:
    """JSON-friendly: dates and times as ISO 8601, money as a string, related rows as text."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)


def pseudonym(user_id: int) -> str:
    """What the journal calls a deleted person: the same for all their acts, so staff can still
    tell that the acts were one person's, and names no one without the site's SECRET_KEY."""
    digest = salted_hmac("kabinet.personal_data.pseudonym", str(user_id), algorithm="sha256")
    return f"deleted-{digest.hexdigest()[:12]}"


def delete_files_after_commit(names: Iterable[str]) -> None:
    """Remove uploaded files once the rows that held them are gone for good.

    On commit, not now: a deletion that rolls back must find its files where they were. A file
    that cannot be removed is logged, not raised: the person's rows are gone either way.
    """
    doomed = [name for name in names if name]
    if not doomed:
        return

    def remove() -> None:
        for name in doomed:
            try:
                private_storage.delete(name)
            except OSError:
                logger.exception("Could not delete the upload %s of an erased person", name)

    transaction.on_commit(remove)
