from django.urls import path

from kabinet.documents import views

app_name = "documents"
urlpatterns = [
    path("accounts/<int:account_id>/bills/", views.bill_history, name="bill_history"),
    path("accounts/<int:account_id>/bills/<int:bill_id>.pdf", views.bill_pdf, name="bill_pdf"),
    path(
        "accounts/<int:account_id>/bills/<int:bill_id>/email/",
        views.bill_email,
        name="bill_email",
    ),
]
