"""What every page may print whatever the app: the portal's support line (seeds 000 and 004 put
it on the login page and on error pages). From settings only, never the database, so that the
500 page and a page served while the database is down can still show it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def support_contacts(request: HttpRequest | None = None) -> dict[str, str]:
    """Also called without a request by the pages that render with no context processors (the
    500 page, the 503 page while the database is down)."""
    phone = settings.SUPPORT_PHONE
    return {
        "support_phone": phone,
        "support_phone_href": "".join(ch for ch in phone if ch.isdigit() or ch == "+"),
        "support_email": settings.SUPPORT_EMAIL,
    }
