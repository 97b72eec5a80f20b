"""Content-Security-Policy on every response: scripts only from this site or with the request's
nonce, never inline handlers (``onclick=…``) or ``eval``.

Pages carry no inline scripts: behaviour lives in static files (``payments/pay.js``). Should a page
ever need an inline ``<script>``, it writes ``nonce="{{ request.csp_nonce }}"`` and the header
names that nonce; the nonce is made only when a template asks for it, so a page that never does
keeps a header that is the same on every response. Never put it inside ``{% cache %}``: a cached
fragment would carry another request's nonce.

Styles allow ``'unsafe-inline'``: the ALTCHA widget inserts ``<style>`` elements, Bootstrap
and Swagger UI set ``style`` attributes; CSS cannot run script. Images may be ``data:`` URLs
(Bootstrap's icons in its CSS) and the captcha's proof-of-work runs in a ``blob:`` worker.

A response that already has a policy keeps it (``private_file_response`` sandboxes uploads).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import SimpleLazyObject

HEADER = "Content-Security-Policy"

_DIRECTIVES = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self' 'unsafe-inline'"),
    ("img-src", "'self' data:"),
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("worker-src", "'self' blob:"),
    ("object-src", "'none'"),
    ("base-uri", "'none'"),
    ("frame-ancestors", "'none'"),
)


def policy(nonce: str | None = None) -> str:
    """The header value; with a nonce, inline scripts carrying it run too."""
    parts = []
    for name, sources in _DIRECTIVES:
        if name == "script-src" and nonce:
            sources = f"{sources} 'nonce-{nonce}'"
        parts.append(f"{name} {sources}")
    return "; ".join(parts)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        made: list[str] = []

        def make_nonce() -> str:
            made.append(secrets.token_urlsafe(18))
            return made[0]

        request.csp_nonce = SimpleLazyObject(make_nonce)  # type: ignore[attr-defined]
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = policy(made[0] if made else None)
        return response
