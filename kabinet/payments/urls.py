"""Included by kabinet/urls.py at ""; url names are "payments:…"."""

from django.urls import path

from kabinet.payments import views

app_name = "payments"
urlpatterns = [
    path("accounts/<int:account_id>/pay/", views.pay, name="pay"),
    path("accounts/<int:account_id>/payments/", views.account_history, name="account_history"),
    path("payments/", views.all_history, name="history"),
    path("payments/rules/", views.rules, name="rules"),
    path("payments/<int:payment_id>/return/", views.payment_return, name="return"),
    path("payments/<int:payment_id>/retry/", views.payment_retry, name="retry"),
    path("payments/<int:payment_id>/document/", views.payment_document, name="document"),
    path("payments/notify/yookassa/", views.notify_yookassa, name="notify_yookassa"),
    path("payments/notify/sandbox/", views.notify_sandbox, name="notify_sandbox"),
    path("payments/sandbox/<str:token>/", views.sandbox_pay, name="sandbox_pay"),
    path("payments/sandbox/<str:token>/3ds/", views.sandbox_3ds, name="sandbox_3ds"),
]
