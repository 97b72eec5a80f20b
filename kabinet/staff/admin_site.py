"""The admin site of Kabinet: for superusers only, behind the staff login's throttle.

Staff work in the staff area (/staff/), which scopes every page to their supplier; the admin
does not, so it is kept for the superusers who configure the portal. Its login form is the
staff login's (see ``AdminLoginForm``): the same per-IP, per-name-and-IP and per-name counters,
so a password cannot be guessed through /admin/login/ while /staff/login/ is throttled.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kabinet.staff.forms import AdminLoginForm


class BackOfficeAdminSite(admin.AdminSite):
    # The admin is the back office for the utility, so it carries the product's name, not Django's.
    site_header = _("Кабинет — бэк-офис")
    site_title = _("Кабинет — бэк-офис")
    index_title = _("Управление")
    login_form = AdminLoginForm

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)
