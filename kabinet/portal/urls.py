from django.urls import path

from kabinet.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/last/", views.last_account, name="last_account"),
    path("healthz", views.healthz, name="healthz"),
]
