from django.urls import path

from kabinet.metering import views

app_name = "readings"
urlpatterns = [
    path("<int:account_id>/readings/", views.submit, name="submit"),
    path("<int:account_id>/readings/confirm/", views.confirm, name="confirm"),
    path("<int:account_id>/readings/history/", views.history, name="history"),
    path("<int:account_id>/readings/report/", views.report, name="report"),
    path("<int:account_id>/readings/<int:reading_id>/photo/", views.photo, name="photo"),
]
