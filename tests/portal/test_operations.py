"""/readyz for the load balancer and /metrics for Prometheus."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.db import OperationalError, connection
from huey.contrib.djhuey import HUEY
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.factories import make_customer

if TYPE_CHECKING:
    from django.test import Client

pytestmark = pytest.mark.django_db


def test_readyz_is_ok_when_everything_answers(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "queue": "ok"},
    }


def test_readyz_names_the_database_when_it_is_down(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {
        "database": "error: OperationalError",
        "cache": "ok",
        "queue": "ok",
    }


def test_readyz_names_the_cache_when_redis_is_down(client: Client, settings: Any) -> None:
    # A real Redis client against a port nobody listens on: the failure a stopped Redis gives.
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"].startswith("error: ")
    assert (checks["database"], checks["queue"]) == ("ok", "ok")


def test_readyz_names_the_queue_when_it_is_down(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse() -> int:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(HUEY, "pending_count", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "cache": "ok",
        "queue": "error: ConnectionError",
    }


def test_metrics_from_an_allowed_address(client: Client) -> None:
    from kabinet.messaging.models import OutgoingMessage

    OutgoingMessage.objects.create(
        channel="sms", to="+79000000001", template="t", body="b", status="sent"
    )
    client.get("/healthz")
    response = client.get("/metrics")  # the test client comes from 127.0.0.1
    text = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert 'kabinet_http_request_duration_seconds_bucket{le="0.5",method="GET"' in text
    assert 'view="portal:healthz"' in text
    assert 'kabinet_messages_total{channel="sms",status="sent"} 1.0' in text
    assert "kabinet_queue_depth " in text


def test_metrics_refuse_other_addresses(client: Client, settings: Any) -> None:
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 403
    assert b"kabinet_" not in response.content


def test_metrics_take_the_token_from_anywhere(client: Client, settings: Any) -> None:
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    settings.METRICS_ALLOWED_IPS = []
    outside = {"REMOTE_ADDR": "203.0.113.5"}
    good = {"authorization": "Bearer s3cret-scrape-token"}
    bad = {"authorization": "Bearer guess"}
    assert client.get("/metrics", headers=good, **outside).status_code == 200  # type: ignore[arg-type]
    assert client.get("/metrics", headers=bad, **outside).status_code == 403  # type: ignore[arg-type]
    assert client.get("/metrics", **outside).status_code == 403  # type: ignore[arg-type]


def test_metrics_do_not_log_a_customer_in(client: Client) -> None:
    # A scrape is anonymous: a logged-in session does not open /metrics from elsewhere.
    client.force_login(make_customer())
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5").status_code == 403
