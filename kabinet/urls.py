from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("kabinet.api.urls")),
    path("profile/", include("kabinet.identity.profile_urls")),
    path("documents/", include("kabinet.documents.urls")),
    path("support/", include("kabinet.support.urls")),
    path("accounts/", include("kabinet.metering.urls")),
    path("", include("kabinet.payments.urls")),
    path("accounts/", include("kabinet.billing.urls")),
    path("staff/", include("kabinet.staff.urls")),
    path("", include("kabinet.identity.urls")),
    path("", include("kabinet.portal.urls")),
]
