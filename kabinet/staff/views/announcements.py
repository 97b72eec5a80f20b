"""Announcements to a supplier's customers (planned outages, tariff changes) and the progress of
each run: notifications raised, e-mails and SMS queued, sent and failed."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kabinet.core.errors import ServiceError
from kabinet.notifications.models import Announcement
from kabinet.notifications.services import create_announcement, delivery_progress
from kabinet.staff import scoping
from kabinet.staff.access import staff_required
from kabinet.staff.forms import AnnouncementForm
from kabinet.staff.views.common import paginate


@staff_required
@require_GET
def announcement_list(request: HttpRequest) -> HttpResponse:
    announcements = scoping.scoped(
        Announcement.objects.select_related("supplier", "created_by"), request.user
    )
    page = paginate(request, announcements)
    progress = delivery_progress([a.pk for a in page.object_list])
    rows = [(a, progress[a.pk]) for a in page.object_list]
    return render(
        request,
        "staff/announcement_list.html",
        {"page": page, "rows": rows, "nav": "announcements"},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def announcement_create(request: HttpRequest) -> HttpResponse:
    form = AnnouncementForm(request.POST or None, suppliers=scoping.visible_suppliers(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            create_announcement(
                staff=request.user,
                supplier=data["supplier"],
                topic=data["topic"],
                title=data["title"],
                text=data["text"],
            )
        except ServiceError as error:
            for field, texts in error.fields.items():
                for text in texts:
                    form.add_error(field if field in form.fields else None, text)
        else:
            messages.success(
                request, _("Объявление отправляется клиентам. Ход рассылки — в списке.")
            )
            return redirect("staff:announcements")
    return render(
        request,
        "staff/announcement_form.html",
        {"form": form, "nav": "announcements"},
        status=400 if form.errors else 200,
    )
