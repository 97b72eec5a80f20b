"""The site's URLs plus two views that fail, for the error-page tests (``pytest.mark.urls``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from kabinet import urls


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the database is gone")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


urlpatterns = [path("broken/", broken), path("forbidden/", forbidden), *urls.urlpatterns]
handler403 = urls.handler403
handler404 = urls.handler404
handler500 = urls.handler500
