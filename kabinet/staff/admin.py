from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kabinet.staff.models import StaffMember

# The admin is the back office for utility staff, so it carries the product's name, not Django's.
admin.site.site_header = _("Кабинет — бэк-офис")
admin.site.site_title = _("Кабинет — бэк-офис")
admin.site.index_title = _("Управление")


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    """Who works in the staff area (/staff/) and for which supplier; superusers manage it here."""

    list_display = ("user", "supplier", "position", "is_active", "created_at")
    list_filter = ("is_active", "supplier")
    list_select_related = ("user", "supplier")
    search_fields = ("user__username", "user__last_name", "user__first_name", "position")
    raw_id_fields = ("user",)
