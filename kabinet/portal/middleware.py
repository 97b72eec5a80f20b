"""Remembers the account the customer opened last, for the home page and the accounts menu.

Every page of one account is under /accounts/<account_id>/ and comes from one of several apps
(billing, metering, payments, documents, support); portal, above them all, notes the id once
here instead of in each of their views. Only a page that answered (200, or 304 for a page the
browser already has) counts: those views let through only the customer's own accounts, so
someone else's id is never noted.

It is kept in a signed cookie bound to the user rather than in the session: switching accounts
then writes nothing to the database (the account pages keep their query budget), and another
person logging in on the same browser does not see it. Whoever reads it still checks the id
against the user's links.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

COOKIE = "kabinet_last_account"
_SALT = "kabinet.portal.last_account"
_MAX_AGE = 365 * 24 * 3600


def last_account_id(request: HttpRequest) -> int | None:
    """The account the user opened last (not yet checked against their links), or None."""
    raw = request.COOKIES.get(COOKIE)
    if not raw or not request.user.is_authenticated:
        return None
    try:
        user_id, account_id = signing.loads(raw, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if user_id != request.user.pk or not isinstance(account_id, int):
        return None
    return account_id


class LastAccountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        if (
            match is not None
            and request.method == "GET"
            and response.status_code in (200, 304)
            and request.path.startswith("/accounts/")
            and isinstance(match.kwargs.get("account_id"), int)
            and request.user.is_authenticated
            and last_account_id(request) != match.kwargs["account_id"]
        ):
            response.set_cookie(
                COOKIE,
                signing.dumps([request.user.pk, match.kwargs["account_id"]], salt=_SALT),
                max_age=_MAX_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
