"""Fixed-window counters in a shared store (the database, or Redis), and a store that is down."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from kabinet.core import ratelimit
from kabinet.core.models import RateCounter
from kabinet.core.ratelimit import LimiterUnavailable, count, hit, reset

pytestmark = pytest.mark.django_db


class Clock:
    """Stands in for the clocks both stores decide expiry by."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def aware(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.now, tz=dt.UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", fake)
    monkeypatch.setattr("django.core.cache.backends.base.time.time", fake)
    monkeypatch.setattr("kabinet.core.ratelimit.time.time", fake)
    monkeypatch.setattr("kabinet.core.ratelimit.timezone.now", fake.aware)
    return fake


@pytest.fixture(params=["database", "cache"])
def store(request: pytest.FixtureRequest, settings: Any) -> str:
    """Every behaviour holds in both stores: the database table and a cache (Redis in
    production; the local-memory cache stands in for it here)."""
    settings.RATELIMIT_CACHE = "" if request.param == "database" else "default"
    return str(request.param)


def test_it_allows_up_to_the_limit_and_refuses_after(store: str) -> None:
    results = [hit("sms:to:+79161234567", limit=3, window=60) for _ in range(5)]

    assert results == [True, True, True, False, False]
    assert count("sms:to:+79161234567") == 5


def test_keys_count_independently(store: str) -> None:
    hit("a", limit=1, window=60)

    assert hit("b", limit=1, window=60) is True
    assert hit("a", limit=1, window=60) is False


def test_a_new_window_starts_when_the_old_one_ends(store: str, clock: Clock) -> None:
    assert hit("k", limit=1, window=60)
    assert not hit("k", limit=1, window=60)

    clock.now += 59
    assert not hit("k", limit=1, window=60)
    clock.now += 2
    assert count("k") == 0
    assert hit("k", limit=1, window=60)
    assert count("k") == 1


def test_reset_forgets_the_count(store: str) -> None:
    hit("k", limit=1, window=60)
    hit("k", limit=1, window=60)

    reset("k")

    assert count("k") == 0
    assert hit("k", limit=1, window=60)


def test_a_claim_passes_once_per_window(store: str, clock: Clock) -> None:
    assert ratelimit.claim("altcha:used:abc", timeout=60)
    assert not ratelimit.claim("altcha:used:abc", timeout=60)
    assert ratelimit.claim("altcha:used:other", timeout=60)
    clock.now += 61
    assert ratelimit.claim("altcha:used:abc", timeout=60)


def test_a_block_runs_out(store: str, clock: Clock) -> None:
    assert ratelimit.blocked_for("login:block") == 0
    ratelimit.block("login:block", seconds=120)

    clock.now += 30
    assert ratelimit.blocked_for("login:block") == 90
    clock.now += 90
    assert ratelimit.blocked_for("login:block") == 0


def test_the_database_store_keeps_no_phone_number_and_purges_ended_windows(
    clock: Clock,
) -> None:
    hit("sms:to:+79161234567", limit=5, window=60)
    hit("sms:global", limit=5, window=3600)

    keys = list(RateCounter.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert all(key.startswith("ratelimit:") and "79161234567" not in key for key in keys)

    clock.now += 61
    assert ratelimit.purge_expired() == 1
    assert count("sms:global") == 1


def test_the_cache_store_keeps_no_phone_number(settings: Any) -> None:
    settings.RATELIMIT_CACHE = "default"
    hit("sms:to:+79161234567", limit=5, window=60)

    keys = list(cache._cache)  # type: ignore[attr-defined]
    assert len(keys) == 1
    assert "79161234567" not in keys[0]
    assert "ratelimit:" in keys[0]
    assert not RateCounter.objects.exists()


def test_the_cache_store_counts_on_when_the_window_expires_between_add_and_incr(
    settings: Any,
) -> None:
    settings.RATELIMIT_CACHE = "default"
    with (
        mock.patch.object(cache, "incr", side_effect=[ValueError("Key not found"), 2]) as incr,
        mock.patch.object(cache, "add", side_effect=[False, False]),
    ):
        assert hit("k", limit=5, window=60) is True
    assert incr.call_count == 2


def test_counting_inside_a_transaction_that_rolls_back_is_undone() -> None:
    """An act that rolls back sent and saved nothing; it is not counted either."""
    from django.db import transaction

    def failing_act() -> None:
        with transaction.atomic():
            hit("k", limit=5, window=60)
            raise RuntimeError("the act failed")

    with pytest.raises(RuntimeError):
        failing_act()

    assert count("k") == 0


@pytest.mark.parametrize(
    "error", [RedisConnectionError("Connection refused"), ConnectionRefusedError(), TimeoutError()]
)
@pytest.mark.parametrize(
    ("method", "call"),
    [
        ("add", lambda: hit("new", limit=5, window=60)),
        ("incr", lambda: hit("k", limit=5, window=60)),
        ("get", lambda: count("k")),
        ("delete_many", lambda: reset("k")),
    ],
)
def test_a_down_cache_raises_limiter_unavailable(
    error: Exception, method: str, call: Callable[[], object], settings: Any
) -> None:
    settings.RATELIMIT_CACHE = "default"
    hit("k", limit=5, window=60)  # so that the next hit() goes on to incr

    with mock.patch.object(cache, method, side_effect=error), pytest.raises(LimiterUnavailable):
        call()


def test_a_database_error_raises_limiter_unavailable_and_keeps_the_transaction() -> None:
    from django.db import transaction

    with transaction.atomic():
        with (
            mock.patch.object(
                RateCounter.objects, "filter", side_effect=OperationalError("locked")
            ),
            pytest.raises(LimiterUnavailable),
        ):
            hit("k", limit=5, window=60)
        # The caller's transaction is still usable.
        assert hit("k", limit=5, window=60)


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

    with override_settings(CACHES=redis_down, RATELIMIT_CACHE="default"):
        with pytest.raises(LimiterUnavailable):
            hit("k", limit=5, window=60)
        with pytest.raises(LimiterUnavailable):
            count("k")


def test_other_errors_are_bugs_and_surface(settings: Any) -> None:
    settings.RATELIMIT_CACHE = "default"
    with mock.patch.object(cache, "add", side_effect=TypeError("bug")), pytest.raises(TypeError):
        hit("k", limit=5, window=60)


def test_a_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="window"):
        ratelimit.hit("k", limit=5, window=0)


def test_expired_rows_are_reused(clock: Clock) -> None:
    hit("k", limit=5, window=60)
    hit("k", limit=5, window=60)
    clock.now += 120

    assert hit("k", limit=1, window=60)
    row = RateCounter.objects.get()
    assert row.count == 1
    assert row.expires_at == clock.aware() + dt.timedelta(seconds=60)
    assert row.expires_at > timezone.now()
