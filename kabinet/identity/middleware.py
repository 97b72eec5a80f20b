"""Sends a customer without surname and name to the details form first."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# Paths a customer may open before filling in the details: the form itself, logout, the
# documents they accepted, and what is not a customer page at all.
_OPEN_PREFIXES = ("/static/", "/media/", "/admin/", "/api/")


class PersonalDetailsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_staff
            and getattr(user, "needs_personal_details", False)
            and request.method in ("GET", "HEAD")
        ):
            allowed = {
                reverse("identity:details"),
                reverse("identity:logout"),
                reverse("identity:document", args=["personal-data"]),
                reverse("identity:document", args=["user-agreement"]),
                reverse("identity:document", args=["marketing"]),
                # The SMS code step of a phone asked for at first login.
                reverse("profile:phone-confirm"),
            }
            if request.path not in allowed and not request.path.startswith(_OPEN_PREFIXES):
                return redirect(f"{reverse('identity:details')}")
        return self.get_response(request)
