from django.contrib import admin

from kabinet.staff.models import StaffMember


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    """Who works in the staff area (/staff/) and for which supplier; superusers manage it here."""

    list_display = ("user", "supplier", "position", "is_active", "created_at")
    list_filter = ("is_active", "supplier")
    list_select_related = ("user", "supplier")
    search_fields = ("user__username", "user__last_name", "user__first_name", "position")
    raw_id_fields = ("user",)
