from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("kabinet.api.urls")),
    path("profile/", include("kabinet.identity.profile_urls")),
    path("documents/", include("kabinet.documents.urls")),
    path("accounts/", include("kabinet.billing.urls")),
    path("", include("kabinet.identity.urls")),
    path("", include("kabinet.portal.urls")),
]
