"""System checks of Kabinet's own: the rate limiter must count in a store all workers share."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from kabinet.core.ratelimit import SHARED_CACHE_BACKENDS


def limiter_store(**kwargs: Any) -> list[checks.CheckMessage]:
    """A per-process cache for the rate limits is an error with DEBUG off, a warning with it on.

    Each gunicorn worker would count on its own, so every limit (SMS, login, linking, captcha
    replay) would let through as many times more as there are workers.
    """
    alias = settings.RATELIMIT_CACHE
    if not alias:
        return []  # the database table: shared by every worker and machine
    configured = settings.CACHES.get(alias)
    backend = str(configured.get("BACKEND", "")) if isinstance(configured, dict) else ""
    if backend in SHARED_CACHE_BACKENDS:
        return []
    message = (
        f"The rate limits are counted in the cache {alias!r} ({backend or 'not configured'}), "
        "which is not shared by all workers: every limit would multiply by their number."
    )
    hint = (
        "Set REDIS_URL to count in Redis, or set RATELIMIT_CACHE to an empty value to count in "
        "the database (table core_ratecounter, created by `manage.py migrate`)."
    )
    if settings.DEBUG:
        return [checks.Warning(message, hint=hint, id="kabinet.W001")]
    return [checks.Error(message, hint=hint, id="kabinet.E001")]


def refuse_unsafe_start() -> None:
    """Stop a production process (gunicorn does not run system checks) on a failed check."""
    errors = [m for m in limiter_store() if m.is_serious()]
    if errors:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("\n".join(f"{m.msg} {m.hint}" for m in errors))
