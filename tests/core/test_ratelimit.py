"""Fixed-window counters in the cache, and what happens when the cache is down."""

from __future__ import annotations

from collections.abc import Callable
from unittest import mock

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import override_settings
from redis.exceptions import ConnectionError as RedisConnectionError

from kabinet.core import ratelimit
from kabinet.core.ratelimit import LimiterUnavailable, count, hit, reset


class Clock:
    """Stands in for time.time() inside the local-memory cache, which decides expiry by it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", fake)
    monkeypatch.setattr("django.core.cache.backends.base.time.time", fake)
    return fake


def test_it_allows_up_to_the_limit_and_refuses_after() -> None:
    results = [hit("sms:to:+79161234567", limit=3, window=60) for _ in range(5)]

    assert results == [True, True, True, False, False]
    assert count("sms:to:+79161234567") == 5


def test_keys_count_independently() -> None:
    hit("a", limit=1, window=60)

    assert hit("b", limit=1, window=60) is True
    assert hit("a", limit=1, window=60) is False


def test_a_new_window_starts_when_the_old_one_ends(clock: Clock) -> None:
    assert hit("k", limit=1, window=60)
    assert not hit("k", limit=1, window=60)

    clock.now += 59
    assert not hit("k", limit=1, window=60)
    clock.now += 2
    assert count("k") == 0
    assert hit("k", limit=1, window=60)


def test_it_counts_on_when_the_window_expires_between_add_and_incr() -> None:
    with (
        mock.patch.object(cache, "incr", side_effect=[ValueError("Key not found"), 2]) as incr,
        mock.patch.object(cache, "add", side_effect=[False, False]),
    ):
        assert hit("k", limit=5, window=60) is True
    assert incr.call_count == 2


def test_reset_forgets_the_count() -> None:
    hit("k", limit=1, window=60)
    hit("k", limit=1, window=60)

    reset("k")

    assert count("k") == 0
    assert hit("k", limit=1, window=60)


def test_a_phone_number_never_appears_in_a_cache_key() -> None:
    hit("sms:to:+79161234567", limit=5, window=60)

    backend = caches["default"]
    assert isinstance(backend, LocMemCache)
    keys = list(backend._cache)  # type: ignore[attr-defined]
    assert len(keys) == 1
    assert "79161234567" not in keys[0]
    assert "ratelimit:" in keys[0]


@pytest.mark.parametrize(
    "error", [RedisConnectionError("Connection refused"), ConnectionRefusedError(), TimeoutError()]
)
@pytest.mark.parametrize(
    ("method", "call"),
    [
        ("add", lambda: hit("new", limit=5, window=60)),
        ("incr", lambda: hit("k", limit=5, window=60)),
        ("get", lambda: count("k")),
        ("delete", lambda: reset("k")),
    ],
)
def test_a_down_cache_raises_limiter_unavailable(
    error: Exception, method: str, call: Callable[[], object]
) -> None:
    hit("k", limit=5, window=60)  # so that the next hit() goes on to incr

    with mock.patch.object(cache, method, side_effect=error), pytest.raises(LimiterUnavailable):
        call()


def test_an_unreachable_redis_raises_limiter_unavailable() -> None:
    # A real Redis client against a closed port on this machine (nothing listens on port 1).
    # override_settings rather than the settings fixture: the cache must be locmem again before
    # the autouse fixture clears it.
    redis_down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    with override_settings(CACHES=redis_down):
        with pytest.raises(LimiterUnavailable):
            hit("k", limit=5, window=60)
        with pytest.raises(LimiterUnavailable):
            count("k")


def test_other_errors_are_bugs_and_surface() -> None:
    with mock.patch.object(cache, "add", side_effect=TypeError("bug")), pytest.raises(TypeError):
        hit("k", limit=5, window=60)


def test_a_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="window"):
        ratelimit.hit("k", limit=5, window=0)
