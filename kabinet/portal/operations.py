"""Endpoints for the machines that run Kabinet: readiness for the load balancer, metrics for
Prometheus. Liveness (/healthz) stays in views.py and touches nothing.

/metrics adds what no single process counts to the per-process series (request latency, failed
jobs; summed over gunicorn workers and huey workers on this machine in prometheus_client's
multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set): the queue's depth and the messages by
channel and status, read from the queue and the database at scrape time, so they are the same
whichever app server Prometheus asks.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from collections.abc import Callable, Iterator

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from huey.contrib.djhuey import HUEY
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from kabinet.core.http import client_ip
from kabinet.messaging.models import OutgoingMessage

logger = logging.getLogger(__name__)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    key = f"readyz:{secrets.token_hex(4)}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was written")
    cache.delete(key)


def _check_queue() -> None:
    HUEY.pending_count()


READINESS_CHECKS: dict[str, Callable[[], None]] = {
    "database": _check_database,
    "cache": _check_cache,
    "queue": _check_queue,
}


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Whether this server can serve: 200 when the database, the cache and the job queue answer,
    otherwise 503 naming the check that failed (a load balancer stops sending it requests)."""
    checks: dict[str, str] = {}
    for name, check in READINESS_CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready", named
            logger.warning("Readiness check %s failed: %s", name, exc)
            checks[name] = f"error: {type(exc).__name__}"
        else:
            checks[name] = "ok"
    ready = all(result == "ok" for result in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


def _metrics_allowed(request: HttpRequest) -> bool:
    """A scraper either shows the token (``Authorization: Bearer …``) or comes from an address
    in METRICS_ALLOWED_IPS; the series tell an outsider the traffic and the job backlog."""
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_IPS
    )


class QueueAndMessagesCollector(Collector):
    """The series read at scrape time from the queue and the database."""

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "kabinet_queue_depth", "Jobs waiting in the huey queue (not the scheduled ones)."
        )
        try:
            depth.add_metric([], HUEY.pending_count())
        except Exception as exc:  # a scrape reports what it can
            logger.warning("Queue depth unavailable: %s", exc)
        else:
            yield depth
        messages = CounterMetricFamily(
            "kabinet_messages",
            "Outgoing SMS and e-mail by status (sent, failed, queued, …), from the database.",
            labels=["channel", "status"],
        )
        rows = (
            OutgoingMessage.objects.order_by()
            .values_list("channel", "status")
            .annotate(total=Count("id"))
        )
        for channel, status, total in rows:
            messages.add_metric([channel, status], total)
        yield messages


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not _metrics_allowed(request):
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each gunicorn and huey worker writes its own files; this sums them.
        process_registry = CollectorRegistry()
        MultiProcessCollector(process_registry)
    else:
        process_registry = REGISTRY
    shared = CollectorRegistry()
    shared.register(QueueAndMessagesCollector())
    body = generate_latest(process_registry) + generate_latest(shared)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
