"""Included by kabinet/urls.py at "api/v1/"; url names are "api-v1:…"."""

from django.urls import path

from kabinet.api.api import api

urlpatterns = [path("", api.urls)]
