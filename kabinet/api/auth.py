"""Who is calling the customer API: a bearer token of a mobile app, or the web session.

Tokens (issued at login, sliding expiry, revoked by the owner) are identity's
(``kabinet.identity.services.tokens``); this module only reads them off the request.

The session is accepted so the portal's own pages can call the API from a script; like any cookie
auth it needs the CSRF token on unsafe methods. The check runs only when a session user is
present, so an anonymous POST is told 401 (log in), not 403.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from kabinet.identity.models import ApiToken, User
from kabinet.identity.services.tokens import authenticate_token


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = authenticate_token(token)
        if api_token is None:
            return None
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class CustomerSessionAuth(SessionAuth):
    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF check failed")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None
        return super().authenticate(request, key)


def request_user(request: HttpRequest) -> User:
    """The authenticated customer of an endpoint that requires auth."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def request_token(request: HttpRequest) -> ApiToken | None:
    return getattr(request, "api_token", None)
