"""Small things every staff page uses."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

PAGE_SIZE = 25


def paginate(request: HttpRequest, rows: Any, per_page: int = PAGE_SIZE) -> Page:
    """The requested page; a bad or too large number gives the nearest real page, not a 404."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def back_or(request: HttpRequest, url_name: str, **kwargs: Any) -> HttpResponse:
    """Back to the staff page the form was posted from (a queue), else to ``url_name``."""
    target = request.POST.get("next", "")
    if target.startswith("/staff/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(url_name, **kwargs)
