"""URLs of the readings benchmark's server: the project's, plus a trivial POST view.

Only bench/readings.py serves these (ROOT_URLCONF set in the server's environment through
bench/readings_settings.py); the project itself has no such view.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from kabinet.urls import urlpatterns as project_urlpatterns


def trivial_post(request: HttpRequest) -> HttpResponse:
    """The baseline: the same middleware (session, CSRF check, auth) and nothing else."""
    if request.method != "POST" or not request.user.is_authenticated:
        return HttpResponse(status=400)
    return HttpResponse(status=302, headers={"Location": "/"})


urlpatterns = [path("bench/trivial-post/", trivial_post), *project_urlpatterns]
