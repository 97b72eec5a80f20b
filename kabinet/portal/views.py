from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers: answers without touching the database or a template."""
    return HttpResponse("ok", content_type="text/plain")
