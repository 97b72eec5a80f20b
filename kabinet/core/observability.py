"""What production operators read: one log line per request, request ids, latency metrics, and a
503 instead of a traceback while the database is away.

``RequestLogMiddleware`` goes first in MIDDLEWARE so that it times and logs every response,
including the 503s that ``DatabaseUnavailableMiddleware`` (right after it) makes. With
``LOG_FORMAT=json`` the console handler formats every record with ``JsonFormatter``: one JSON
object per line, which log shippers (journald → Loki, Vector, Filebeat) parse without a grok.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from prometheus_client import Histogram

from kabinet.core.context_processors import support_contacts

request_logger = logging.getLogger("kabinet.requests")
logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# An id from the proxy (nginx's $request_id) or a client is kept only when it cannot smuggle
# anything into a log line or a header: letters, digits and a few separators.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Seconds a client should wait before trying again while the database is away: PostgreSQL
# restarts in a few seconds, and a shorter hint would only add load to the recovery.
RETRY_AFTER = 5

REQUEST_SECONDS = Histogram(
    "kabinet_http_request_duration_seconds",
    "Time from the first middleware to the response, by view and status.",
    ["method", "view", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

# The attributes a request's log record carries beyond the message (logging's ``extra``).
REQUEST_FIELDS = ("request_id", "user_id", "method", "path", "status", "duration_ms")


def request_id_of(request: HttpRequest) -> str:
    """The id this request is known by in the logs: the one set by ``RequestLogMiddleware``."""
    return str(getattr(request, "request_id", ""))


def _incoming_request_id(request: HttpRequest) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _SAFE_REQUEST_ID.match(given) else uuid.uuid4().hex


def _user_id(request: HttpRequest) -> int | str | None:
    """The logged-in user's id, read without a query of its own.

    The session is only read when the view already loaded it (``accessed``); /healthz and static
    files never touch the session and must not start doing so for the log's sake. An API call
    authenticated by a token has the user on ``request.auth`` (django-ninja).
    """
    auth = getattr(request, "auth", None)
    if auth is not None and getattr(auth, "pk", None) is not None:
        return auth.pk
    session = getattr(request, "session", None)
    if session is not None and session.accessed:
        try:
            value = session.get(SESSION_KEY)
        except (OperationalError, InterfaceError):
            return None
        return value if value is None else str(value)
    return None


class RequestLogMiddleware:
    """Give every request an id (``X-Request-ID`` in and out), time it, and log one line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = _incoming_request_id(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        response[REQUEST_ID_HEADER] = request_id
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None and match.view_name else "unresolved"
        REQUEST_SECONDS.labels(request.method or "", view, str(response.status_code)).observe(
            seconds
        )
        fields = {
            "request_id": request_id,
            "user_id": _user_id(request),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
        }
        request_logger.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            seconds * 1000,
            extra=fields,
        )
        return response


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, the request fields when
    the record has them, and the traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """The answer while the database cannot be reached: the API's JSON error shape with a code a
    client can branch on, or a page that needs neither the database nor the session."""
    message = _(
        "Сервис временно недоступен: идут технические работы. Попробуйте через несколько минут."
    )
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "service_unavailable", "message": message, "fields": {}}, status=503
        )
    else:
        # No request in the context: the context processors would load the user from the
        # database that is down.
        html = render_to_string(
            "503.html",
            {
                "message": message,
                "request_id": request_id_of(request),
                **support_contacts(),
            },
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    # Never cached: the page must go away as soon as the database is back.
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 (see ``database_unavailable_response``) when the database is unreachable.

    A view's OperationalError/InterfaceError arrives in ``process_exception``. One raised
    outside a view (the session saved after it, a middleware's query) has already been turned
    into Django's 500 by the time it gets here; the ``got_request_exception`` receiver below
    marks such a request while the exception is at hand, and the 500 is replaced here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "database_unavailable", False):
            return database_unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            logger.error("Database unavailable: %s", exception, extra=_request_extra(request))
            return database_unavailable_response(request)
        return None


def _request_extra(request: HttpRequest) -> dict[str, Any]:
    return {"request_id": request_id_of(request), "path": request.path}


def _mark_database_unavailable(
    sender: object, request: HttpRequest | None = None, **_: Any
) -> None:
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_ERRORS):
        request.database_unavailable = True  # type: ignore[attr-defined]


got_request_exception.connect(_mark_database_unavailable, dispatch_uid="kabinet.database_down")
