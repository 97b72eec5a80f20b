"""What pages and the API read from a request the same way."""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse


def client_ip(request: HttpRequest) -> str:
    """The address per-IP limits and audit entries use.

    REMOTE_ADDR only: X-Forwarded-For is whatever the client wrote unless a trusted proxy
    rewrites it, and a forged one would dodge the per-IP limits. Behind a proxy, configure the
    proxy (or a middleware it trusts) to set REMOTE_ADDR.
    """
    return str(request.META.get("REMOTE_ADDR") or "0.0.0.0")  # noqa: S104


class TrustedProxyMiddleware:
    """Behind nginx every request comes from the proxy's address, and every per-IP limit would
    then count all customers together. When REMOTE_ADDR is one of TRUSTED_PROXY_IPS, take the
    client's address from X-Real-IP, which the proxy overwrites (never appends to) with the
    address it saw; from anyone else the header is ignored, so it cannot be forged."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.proxies = [
            ipaddress.ip_network(network, strict=False) for network in settings.TRUSTED_PROXY_IPS
        ]
        if not self.proxies:
            raise MiddlewareNotUsed

    def __call__(self, request: HttpRequest) -> HttpResponse:
        real = request.headers.get("X-Real-IP", "").strip()
        if real and self._from_proxy(request):
            with contextlib.suppress(ValueError):  # not an address: keep the proxy's
                request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(real))
        return self.get_response(request)

    def _from_proxy(self, request: HttpRequest) -> bool:
        try:
            address = ipaddress.ip_address(str(request.META.get("REMOTE_ADDR") or ""))
        except ValueError:
            return False
        return any(address in network for network in self.proxies)
