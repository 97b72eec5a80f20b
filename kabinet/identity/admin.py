from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kabinet.core.admin_base import ReadOnlyModelAdmin
from kabinet.identity.models import ApiToken, Consent, ConsentText, User, Verification


class ConsentInline(admin.TabularInline):
    model = Consent
    fields = ("kind", "version", "accepted_at", "withdrawn_at", "ip_address")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "phone", "last_name", "first_name", "is_staff")
    search_fields = ("username", "email", "phone", "last_name", "first_name")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (
            _("Дополнительно"),
            {
                "fields": (
                    "patronymic",
                    "last_name_latin",
                    "first_name_latin",
                    "gender",
                    "birth_date",
                    "phone",
                    "phone_confirmed_at",
                    "email_confirmed_at",
                )
            },
        ),
    )
    inlines = [ConsentInline]


@admin.register(Consent)
class ConsentAdmin(ReadOnlyModelAdmin):
    list_display = ("user", "kind", "version", "accepted_at", "withdrawn_at")
    list_filter = ("kind", "version")
    search_fields = ("user__email", "user__phone", "user__last_name")
    list_select_related = ("user",)


@admin.register(Verification)
class VerificationAdmin(ReadOnlyModelAdmin):
    """Shows that a code was sent and used; never the code (only its hash is stored)."""

    list_display = (
        "purpose",
        "channel",
        "target",
        "created_at",
        "expires_at",
        "attempts",
        "used_at",
    )
    list_filter = ("purpose", "channel")
    search_fields = ("target",)
    exclude = ("secret_hash", "payload")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyModelAdmin):
    """Staff may revoke a lost phone's token; the key itself is never shown."""

    list_display = ("user", "label", "created_at", "last_used_at", "expires_at")
    search_fields = ("user__email", "user__phone", "label")
    list_select_related = ("user",)
    exclude = ("key_hash",)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return True


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    """A new text is a new version; a text someone agreed to is never edited nor deleted."""

    list_display = ("kind", "version", "published_at")
    list_filter = ("kind",)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> tuple[str, ...]:
        return ("kind", "version", "text", "published_at") if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
