"""What pages and the API read from a request the same way."""

from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address per-IP limits and audit entries use.

    REMOTE_ADDR only: X-Forwarded-For is whatever the client wrote unless a trusted proxy
    rewrites it, and a forged one would dodge the per-IP limits. Behind a proxy, configure the
    proxy (or a middleware it trusts) to set REMOTE_ADDR.
    """
    return str(request.META.get("REMOTE_ADDR") or "0.0.0.0")  # noqa: S104
