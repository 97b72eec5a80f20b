from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "kabinet.staff"
    label = "staff"
    verbose_name = _("Бэк-офис")


class BackOfficeAdminConfig(admin_apps.AdminConfig):
    """Django's admin app with Kabinet's site (superusers only, throttled login); named in
    INSTALLED_APPS in place of django.contrib.admin."""

    default = False
    default_site = "kabinet.staff.admin_site.BackOfficeAdminSite"
