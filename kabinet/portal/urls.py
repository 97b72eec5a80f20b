from django.urls import path

from kabinet.portal import history, operations, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/last/", views.last_account, name="last_account"),
    # Beside identity's profile pages, under the same prefix: portal composes this one from
    # billing's links and mailings.
    path("profile/settings/", views.profile_settings, name="profile_settings"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", operations.readyz, name="readyz"),
    path("metrics", operations.metrics, name="metrics"),
    path("accounts/<int:account_id>/history/", history.events, name="events"),
    path(
        "accounts/<int:account_id>/history/<str:tab>/",
        history.events,
        name="events_tab",
    ),
    path("accounts/<int:account_id>/statistics/", history.statistics, name="statistics"),
]
