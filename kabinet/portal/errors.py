"""The site's own 403, 404, 500 and CSRF-failure pages: Russian (or the visitor's language), in
the site's frame, each with a way back. Wired in ``kabinet/urls.py`` (handler403/404/500) and
``settings.CSRF_FAILURE_VIEW``; Django shows its own pages only with DEBUG on.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import get_language
from django.views.decorators.csrf import requires_csrf_token

from kabinet.core.context_processors import support_contacts


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent with a missing or stale token: most often a page left open past the session,
    or cookies switched off. Says what to do instead of Django's English technical page."""
    return render(request, "errors/403_csrf.html", status=403)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request: context processors, the user, the cache and the database
    may be what failed, so the page needs none of them (``errors/500.html`` extends nothing)."""
    html = loader.get_template("errors/500.html").render(
        {"LANGUAGE_CODE": get_language(), **support_contacts()}
    )
    return HttpResponseServerError(html)
