"""Fixed-window counters for rate limits, shared by every process that serves Kabinet.

A window starts with the first event for a key and lasts `window` seconds; the counter vanishes
by itself when the window ends. Every limit (SMS, login, linking, captcha replay, creation
limits) counts here, and the count must be the same whichever worker or machine takes the
request, or the limits multiply by the number of workers. So the counters live in one of two
shared stores, never in a process's memory:

* Redis, when ``RATELIMIT_CACHE`` names a Redis (or memcached) cache (the default with
  ``REDIS_URL``): ``cache.add`` opens a window with its timeout and ``cache.incr`` counts on;
  both are atomic on the server.
* the database otherwise (table ``core_ratecounter``): a counter is moved with one
  ``UPDATE … SET count = count + 1`` whose row lock orders concurrent workers, and read back
  under that lock. Django's DatabaseCache is not used: its incr() is a read and a write.

A per-process cache (local memory) is refused at start-up in production (core.checks).

Keys are HMAC-hashed with SECRET_KEY before they are stored: a limit is often keyed by a phone
number or an IP address, and neither should be readable in Redis or the database (a plain hash of
a phone number is reversed by trying all ten billion of them).

Inside a caller's transaction the database store counts in a savepoint: the count commits with
the caller, so an act that rolls back (nothing was sent or saved) is not counted.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from redis.exceptions import RedisError

from kabinet.core.models import RateCounter

T = TypeVar("T")

_KEY_PREFIX = "ratelimit:"

# What a cache backend raises when its server cannot be reached: redis-py's own errors (they do
# not derive from OSError) and socket-level errors. Anything else is a bug and should surface.
_UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)

# Cache backends whose add() and incr() are atomic on a server all processes share.
SHARED_CACHE_BACKENDS = frozenset(
    {
        "django.core.cache.backends.redis.RedisCache",
        "django.core.cache.backends.memcached.PyMemcacheCache",
        "django.core.cache.backends.memcached.PyLibMCCache",
    }
)


class LimiterUnavailable(Exception):
    """The store behind the counters cannot be reached; the caller decides whether to go on."""


# What a caller that catches store failures should treat as "the limiter is down", together with
# this module's own refusal.
CACHE_FAILURES: tuple[type[Exception], ...] = (*_UNAVAILABLE_ERRORS, LimiterUnavailable)


def _cache_key(key: str) -> str:
    digest = salted_hmac("kabinet.core.ratelimit", key, algorithm="sha256").hexdigest()
    return _KEY_PREFIX + digest


def _cache() -> BaseCache | None:
    """The cache that holds the counters, or None for the database table."""
    alias = settings.RATELIMIT_CACHE
    return caches[alias] if alias else None


def _guarded(operation: Callable[[], T]) -> T:
    """Run one store operation; a store that cannot be reached raises LimiterUnavailable.

    A database operation runs in its own savepoint, so a failure inside a caller's transaction
    leaves that transaction usable.
    """
    try:
        if _cache() is None:
            with transaction.atomic():
                return operation()
        return operation()
    except DatabaseError as exc:
        raise LimiterUnavailable(str(exc)) from exc
    except _UNAVAILABLE_ERRORS as exc:
        raise LimiterUnavailable(str(exc)) from exc


def _check_window(window: int) -> None:
    if window <= 0:
        raise ValueError("window must be a positive number of seconds")


# --- the database store ------------------------------------------------------------------


def _db_increment(cache_key: str, window: int) -> int:
    now = timezone.now()
    counters = RateCounter.objects.filter(key=cache_key)
    # Three rounds at most: a round only repeats when another worker created the row between
    # this one's UPDATE and INSERT, and then the next UPDATE finds it.
    ends = now + dt.timedelta(seconds=window)
    for _round in range(3):
        if counters.filter(expires_at__gt=now).update(count=F("count") + 1):
            # The UPDATE holds the row's lock until the transaction (_guarded's, or the
            # caller's) ends, so the value read back is this event's count, not a later one.
            return int(counters.values_list("count", flat=True).get())
        if counters.filter(expires_at__lte=now).update(count=1, expires_at=ends):
            return 1
        try:
            with transaction.atomic():
                RateCounter.objects.create(key=cache_key, count=1, expires_at=ends)
        except IntegrityError:
            continue
        return 1
    raise LimiterUnavailable("the counter kept changing under concurrent writers")


def _db_get(cache_key: str) -> tuple[int, dt.datetime] | None:
    row = (
        RateCounter.objects.filter(key=cache_key, expires_at__gt=timezone.now())
        .values_list("count", "expires_at")
        .first()
    )
    return (int(row[0]), row[1]) if row else None


def _db_set(cache_key: str, value: int, seconds: int) -> None:
    ends = timezone.now() + dt.timedelta(seconds=seconds)
    RateCounter.objects.update_or_create(
        key=cache_key, defaults={"count": value, "expires_at": ends}
    )


def _db_delete(cache_keys: list[str]) -> None:
    RateCounter.objects.filter(key__in=cache_keys).delete()


# --- the cache store (Redis) ---------------------------------------------------------------


def _cache_increment(cache: BaseCache, cache_key: str, window: int) -> int:
    if cache.add(cache_key, 1, timeout=window):
        return 1
    try:
        return int(cache.incr(cache_key))
    except ValueError:
        # The window expired between add() and incr(): this event opens a new one. If
        # another process opened it first, add() fails and counting goes on from there.
        return 1 if cache.add(cache_key, 1, timeout=window) else int(cache.incr(cache_key))


# --- the public operations -----------------------------------------------------------------


def increment(key: str, *, window: int) -> int:
    """Count one event for `key` in its window of `window` seconds; returns the count so far.

    Raises LimiterUnavailable when the store cannot be reached.
    """
    _check_window(window)
    cache_key = _cache_key(key)
    cache = _cache()
    if cache is None:
        return _guarded(lambda: _db_increment(cache_key, window))
    return _guarded(lambda: _cache_increment(cache, cache_key, window))


def hit(key: str, *, limit: int, window: int) -> bool:
    """Count one event for `key` in a fixed window of `window` seconds.

    Returns True while the count, this event included, is at most `limit`, and False once it is
    over. Every call counts, refused ones too, so hammering a limit does not reopen it.
    Raises LimiterUnavailable when the store cannot be reached.
    """
    return increment(key, window=window) <= limit


def claim(key: str, *, timeout: int) -> bool:
    """True for the first claim of `key` within `timeout` seconds, False for every later one.

    Atomic across processes: of two workers claiming at once exactly one gets True (a captcha
    solution passes once). Raises LimiterUnavailable when the store cannot be reached.
    """
    return increment(key, window=timeout) == 1


def count(key: str) -> int:
    """Events counted for `key` in its current window (0 when no window is open)."""
    cache_key = _cache_key(key)
    cache = _cache()
    if cache is None:
        found = _guarded(lambda: _db_get(cache_key))
        return found[0] if found else 0
    return int(_guarded(lambda: cache.get(cache_key)) or 0)


def block(key: str, *, seconds: int) -> None:
    """Mark `key` blocked for `seconds` from now (a later block replaces an earlier one)."""
    _check_window(seconds)
    cache_key = _cache_key(key)
    cache = _cache()
    if cache is None:
        _guarded(lambda: _db_set(cache_key, 1, seconds))
    else:
        _guarded(lambda: cache.set(cache_key, time.time() + seconds, timeout=seconds))


def blocked_for(key: str) -> int:
    """Whole seconds left of the block on `key` (0 when it is not blocked)."""
    cache_key = _cache_key(key)
    cache = _cache()
    if cache is None:
        found = _guarded(lambda: _db_get(cache_key))
        if found is None:
            return 0
        return max(0, math.ceil((found[1] - timezone.now()).total_seconds()))
    until = _guarded(lambda: cache.get(cache_key))
    return max(0, math.ceil(float(until) - time.time())) if until else 0


def reset(*keys: str) -> None:
    """Forget the counters (or blocks) of `keys`, e.g. after a successful login or in tests."""
    cache_keys = [_cache_key(key) for key in keys]
    cache = _cache()
    if cache is None:
        _guarded(lambda: _db_delete(cache_keys))
    else:
        _guarded(lambda: cache.delete_many(cache_keys))


def purge_expired() -> int:
    """Delete the database counters whose window has ended; returns how many went."""
    deleted, _ = RateCounter.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
