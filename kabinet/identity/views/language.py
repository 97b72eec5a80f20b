"""The language switcher: Django's set_language (cookie, safe redirect back), plus the choice
kept in the profile of a signed-in person so it follows them to their other devices."""

from __future__ import annotations

import contextlib

from django.http import HttpRequest, HttpResponse
from django.views import i18n
from django.views.decorators.http import require_POST

from kabinet.identity.models import User
from kabinet.identity.services import profile
from kabinet.identity.services.profile import ProfileError


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    response = i18n.set_language(request)
    if isinstance(request.user, User):
        # Django's set_language has already ignored an unknown code: nothing to keep either.
        with contextlib.suppress(ProfileError):
            profile.set_language(user=request.user, language=request.POST.get("language", ""))
    return response
