"""Included by kabinet/urls.py at the root (url names "notifications:…")."""

from django.urls import path

from kabinet.notifications import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:notification_id>/read/", views.read, name="read"),
    path("notifications/read-all/", views.read_all, name="read_all"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path(
        "accounts/<int:account_id>/notifications/",
        views.account_notifications,
        name="account",
    ),
    path("profile/notifications/", views.subscriptions, name="subscriptions"),
]
