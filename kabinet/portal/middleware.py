"""Remembers the account the customer opened last, for the home page and the accounts menu.

Every page of one account is under /accounts/<account_id>/ and comes from one of several apps
(billing, metering, payments, documents, support); portal, above them all, notes the id once
here instead of in each of their views. Only a page that answered (200, or 304 for a page the
browser already has) counts: those views let through only the customer's own accounts, so
someone else's id never lands in the session.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

SESSION_KEY = "last_account_id"


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
            and request.session.get(SESSION_KEY) != match.kwargs["account_id"]
        ):
            request.session[SESSION_KEY] = match.kwargs["account_id"]
        return response


def last_account_id(request: HttpRequest) -> int | None:
    value = request.session.get(SESSION_KEY)
    return value if isinstance(value, int) else None
