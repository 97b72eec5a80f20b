"""Cache-backed fixed-window counters for rate limits (Redis in production, locmem in tests).

A window starts with the first event for a key and lasts `window` seconds: `cache.add` creates the
counter with the window as its timeout and `cache.incr` counts on without touching the expiry, so
the counter vanishes by itself when the window ends. Both are atomic on Redis, which is what makes
the count right with several app servers; the local-memory cache is per process and only fits a
single-process demo.

Keys are HMAC-hashed with SECRET_KEY before they reach the cache: a limit is often keyed by a phone
number or an IP address, and neither should be readable in Redis (a plain hash of a phone number is
reversed by trying all ten billion of them).
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils.crypto import salted_hmac
from redis.exceptions import RedisError

_KEY_PREFIX = "ratelimit:"

# What a cache backend raises when its server cannot be reached: redis-py's own errors (they do
# not derive from OSError) and socket-level errors. Anything else is a bug and should surface.
_UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)


class LimiterUnavailable(Exception):
    """The cache behind the counters cannot be reached; the caller decides whether to go on."""


# What a caller that uses the cache directly (not through hit/count/reset) should treat as
# "the cache is down", together with this module's own refusal.
CACHE_FAILURES: tuple[type[Exception], ...] = (*_UNAVAILABLE_ERRORS, LimiterUnavailable)


def _cache_key(key: str) -> str:
    digest = salted_hmac("kabinet.core.ratelimit", key, algorithm="sha256").hexdigest()
    return _KEY_PREFIX + digest


def hit(key: str, *, limit: int, window: int) -> bool:
    """Count one event for `key` in a fixed window of `window` seconds.

    Returns True while the count, this event included, is at most `limit`, and False once it is
    over. Every call counts, refused ones too, so hammering a limit does not reopen it.
    Raises LimiterUnavailable when the cache cannot be reached.
    """
    if window <= 0:
        raise ValueError("window must be a positive number of seconds")
    cache_key = _cache_key(key)
    try:
        if cache.add(cache_key, 1, timeout=window):
            current = 1
        else:
            try:
                current = cache.incr(cache_key)
            except ValueError:
                # The window expired between add() and incr(): this event opens a new one. If
                # another process opened it first, add() fails and counting goes on from there.
                current = 1 if cache.add(cache_key, 1, timeout=window) else cache.incr(cache_key)
    except _UNAVAILABLE_ERRORS as exc:
        raise LimiterUnavailable(str(exc)) from exc
    return current <= limit


def count(key: str) -> int:
    """Events counted for `key` in its current window (0 when no window is open)."""
    try:
        value = cache.get(_cache_key(key))
    except _UNAVAILABLE_ERRORS as exc:
        raise LimiterUnavailable(str(exc)) from exc
    return int(value or 0)


def reset(key: str) -> None:
    """Forget the counter for `key`, e.g. after a successful login or in tests."""
    try:
        cache.delete(_cache_key(key))
    except _UNAVAILABLE_ERRORS as exc:
        raise LimiterUnavailable(str(exc)) from exc
