from django.urls import path

from kabinet.support import views

app_name = "support"
urlpatterns = [
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/price-list.csv", views.price_list, name="price_list"),
    path("catalog/<int:item_id>/order/", views.catalog_order, name="catalog_order"),
    path("faq/", views.faq, name="faq"),
    path("appeals/", views.appeal_list, name="appeals"),
    path("appeals/new/", views.appeal_new, name="appeal_new"),
    path("appeals/<int:appeal_id>/", views.appeal_detail, name="appeal"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/cancel/", views.request_cancel, name="request_cancel"),
    path("accounts/<int:account_id>/requests/", views.account_requests, name="account_requests"),
    path("accounts/<int:account_id>/requests/new/", views.request_new, name="request_new"),
    path("accounts/<int:account_id>/documents/", views.documents, name="documents"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]
