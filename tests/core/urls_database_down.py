"""URLs of tests/core/test_observability.py: views that meet a database that went away."""

from __future__ import annotations

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def database_gone(request: HttpRequest) -> HttpResponse:
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def touches_session(request: HttpRequest) -> HttpResponse:
    # The view succeeds; saving the session afterwards (in SessionMiddleware) is what fails.
    request.session["seen"] = True
    return HttpResponse("ok")


urlpatterns = [
    path("page/", database_gone),
    path("api/v1/thing/", database_gone),
    path("session/", touches_session),
    path("", include("kabinet.urls")),
]
