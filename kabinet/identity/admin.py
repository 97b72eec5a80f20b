from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kabinet.identity.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "phone", "last_name", "first_name", "is_staff")
    search_fields = ("username", "email", "phone", "last_name", "first_name")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("Дополнительно"), {"fields": ("patronymic", "phone")}),
    )
