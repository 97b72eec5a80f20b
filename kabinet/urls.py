from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("kabinet.api.urls")),
    # Before the profile: /profile/notifications/ is the notifications app's page.
    path("", include("kabinet.notifications.urls")),
    path("profile/", include("kabinet.identity.profile_urls")),
    # Every page of one account sits under /accounts/<id>/: the overview, charges and details
    # (billing), readings (metering), pay and payments (payments), bills (documents), requests,
    # appeals and documents (support).
    path("", include("kabinet.documents.urls")),
    path("", include("kabinet.support.urls")),
    path("accounts/", include("kabinet.metering.urls")),
    path("", include("kabinet.payments.urls")),
    path("accounts/", include("kabinet.billing.urls")),
    # Where the bills and an account's requests were before: bookmarks and the links in e-mails
    # already sent keep working.
    re_path(
        r"^(?:documents|support)/(?P<rest>accounts/\d+/.*)$",
        RedirectView.as_view(url="/%(rest)s", permanent=True, query_string=True),
    ),
    path("staff/", include("kabinet.staff.urls")),
    path("", include("kabinet.identity.urls")),
    path("", include("kabinet.portal.urls")),
]

# The site's own error pages (Django's are English and outside the layout); see portal/errors.py.
handler403 = "kabinet.portal.errors.permission_denied"
handler404 = "kabinet.portal.errors.page_not_found"
handler500 = "kabinet.portal.errors.server_error"
