from django.urls import path

from kabinet.support import views

# Included at the site's root: the account's own pages sit in the account's URL tree
# (/accounts/<id>/…) beside the other apps' tabs, the rest under /support/.
app_name = "support"
urlpatterns = [
    path("support/catalog/", views.catalog, name="catalog"),
    path("support/catalog/price-list.csv", views.price_list, name="price_list"),
    path("support/catalog/<int:item_id>/order/", views.catalog_order, name="catalog_order"),
    path("support/faq/", views.faq, name="faq"),
    path("support/offices/", views.offices, name="offices"),
    path("support/appeals/", views.appeal_list, name="appeals"),
    path("support/appeals/new/", views.appeal_new, name="appeal_new"),
    path("support/appeals/<int:appeal_id>/", views.appeal_detail, name="appeal"),
    path("support/requests/", views.request_list, name="requests"),
    path("support/requests/<int:request_id>/", views.request_detail, name="request"),
    path("support/requests/<int:request_id>/cancel/", views.request_cancel, name="request_cancel"),
    path("support/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("accounts/<int:account_id>/requests/", views.account_requests, name="account_requests"),
    path("accounts/<int:account_id>/requests/new/", views.request_new, name="request_new"),
    path("accounts/<int:account_id>/appeals/", views.account_appeals, name="account_appeals"),
    path("accounts/<int:account_id>/documents/", views.documents, name="documents"),
]
