from django.urls import path

from kabinet.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/last/", views.last_account, name="last_account"),
    # Beside identity's profile pages, under the same prefix: portal composes this one from
    # billing's links and mailings.
    path("profile/settings/", views.profile_settings, name="profile_settings"),
    path("healthz", views.healthz, name="healthz"),
]
