"""gunicorn settings for Kabinet (``gunicorn -c deploy/gunicorn.conf.py kabinet.wsgi``).

Every value can be changed from the environment (the systemd unit reads /etc/kabinet/kabinet.env)
so one file serves every app server. Sync workers: measured here as the best throughput and p99
for Kabinet's pages (DESIGN.md, "Stack").
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# About two per core: a worker waits on PostgreSQL for part of each request.
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1))))
worker_class = "sync"
# nginx gives up after 60 s (proxy_read_timeout); a worker stuck longer is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "65"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (plus jitter, so not all at once): a slow leak in
# a library never grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# Kabinet logs one JSON line per request itself (LOG_FORMAT=json); gunicorn's access log would
# say the same thing a second time.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Only nginx on this host talks to gunicorn; it sets X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def on_starting(server: Any) -> None:
    """Start with empty metric files: prometheus_client's multiprocess mode keeps one file per
    process id, and files of a previous run would add stale counts to /metrics."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's gauges must leave the sums (its counters stay: they were counted)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
