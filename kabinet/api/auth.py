"""Who is calling the customer API: a bearer token of a mobile app, or the web session.

A token is ``secrets.token_urlsafe(32)`` handed out once at login; only its SHA-256 is stored
(ApiToken.key_hash). A plain hash is enough here, unlike for SMS codes: 256 random bits cannot
be guessed from a stolen table.

The session is accepted so the portal's own pages can call the API with htmx; like any cookie
auth it needs the CSRF token on unsafe methods. The check runs only when a session user is
present, so an anonymous POST is told 401 (log in), not 403.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from kabinet.identity.models import ApiToken, User

# last_used_at is for the person's list of devices, not an access log: write it at most this
# often so every request does not become a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(*, user: User, label: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; the key is returned here and never again."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, key_hash=token_hash(key), label=label[:100])
    return token, key


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token:
            return None
        api_token = (
            ApiToken.objects.select_related("user").filter(key_hash=token_hash(token)).first()
        )
        if api_token is None or not api_token.user.is_active:
            return None
        now = timezone.now()
        if api_token.expires_at is not None and api_token.expires_at <= now:
            return None
        if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
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
