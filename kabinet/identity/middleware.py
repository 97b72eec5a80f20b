"""Sends a customer without surname and name to the details form first; shows a signed-in person
the site in the language kept in their profile."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

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


class ProfileLanguageMiddleware:
    """The language chosen with the switcher wins over the browser's once the person logs in.

    Runs after AuthenticationMiddleware (and so after LocaleMiddleware's choice from the cookie
    or Accept-Language). The cookie is set too, so the pages after logout stay in that language
    on this device, as they would after using the switcher here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if not language or not user or not user.is_authenticated:
            return self.get_response(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
            )
        return response
