"""Sign in and out of the staff area."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.core.http import client_ip
from kabinet.identity.models import User
from kabinet.staff import services
from kabinet.staff.forms import StaffLoginForm


class StaffLoginView(LoginView):
    """Django's login page with a form that admits staff only (see StaffLoginForm)."""

    form_class = StaffLoginForm
    template_name = "staff/login.html"
    # A signed-in customer who opens the staff login must see the form, not a redirect loop.
    redirect_authenticated_user = False

    def get_default_redirect_url(self) -> str:
        return reverse("staff:home")

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if isinstance(request.user, User):
        services.record_logout(staff=request.user, client_ip=client_ip(request))
    logout(request)
    messages.info(request, _("Вы вышли из бэк-офиса."))
    return redirect("staff:login")
