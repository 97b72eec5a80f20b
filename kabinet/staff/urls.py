"""The staff area at /staff/. Every pattern with an id is walked by tests/staff/test_scoping.py."""

from django.urls import URLPattern, path

from kabinet.staff.views import announcements, audit, auth, content, customers, queues, settings

app_name = "staff"


def _content(prefix: str, kind: str) -> list[URLPattern]:
    return [
        path(f"{prefix}/", content.content_list, {"kind": kind}, name=f"{kind}_list"),
        path(f"{prefix}/new/", content.content_edit, {"kind": kind}, name=f"{kind}_create"),
        path(f"{prefix}/<int:pk>/", content.content_edit, {"kind": kind}, name=f"{kind}_edit"),
    ]


urlpatterns = [
    path("login/", auth.StaffLoginView.as_view(), name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("", queues.home, name="home"),
    path("appeals/", queues.appeal_queue, name="appeals"),
    path("appeals/<int:appeal_id>/", queues.appeal_detail, name="appeal"),
    path("appeals/<int:appeal_id>/assign/", queues.appeal_assign, name="appeal_assign"),
    path("appeals/<int:appeal_id>/close/", queues.appeal_close, name="appeal_close"),
    path("requests/", queues.request_queue, name="requests"),
    path("requests/<int:request_id>/", queues.request_detail, name="request"),
    path("requests/<int:request_id>/status/", queues.request_status, name="request_status"),
    path("requests/<int:request_id>/assign/", queues.request_assign, name="request_assign"),
    path("documents/", queues.document_queue, name="documents"),
    path("documents/<int:document_id>/", queues.document_detail, name="document"),
    path("files/<int:attachment_id>/", queues.attachment, name="attachment"),
    path("customers/", customers.customer_search, name="customers"),
    path("customers/<int:customer_id>/", customers.customer_card, name="customer"),
    path("suppliers/", settings.supplier_list, name="suppliers"),
    path("suppliers/<int:supplier_id>/", settings.supplier_settings, name="supplier_settings"),
    *_content("faq", "faq"),
    path("faq/<int:pk>/toggle/", content.content_toggle, {"kind": "faq"}, name="faq_toggle"),
    *_content("faq/categories", "faq_category"),
    *_content("catalog", "catalog"),
    path(
        "catalog/<int:pk>/toggle/",
        content.content_toggle,
        {"kind": "catalog"},
        name="catalog_toggle",
    ),
    path("announcements/", announcements.announcement_list, name="announcements"),
    path("announcements/new/", announcements.announcement_create, name="announcement_create"),
    path("audit/", audit.audit_log, name="audit"),
]
