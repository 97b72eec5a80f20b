"""Staff of one supplier never reach another supplier's rows: every staff URL with an id → 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from kabinet.staff import urls as staff_urls
from kabinet.support.models import CatalogItem, FaqCategory, FaqQuestion
from tests.factories import make_supplier
from tests.staff.builders import (
    customer_of,
    file_appeal,
    file_document,
    file_request,
    make_customer,
    make_staff,
    png_upload,
    staff_client,
)

pytestmark = pytest.mark.django_db


def patterns_with_ids() -> list[URLPattern]:
    return [
        p
        for p in staff_urls.urlpatterns
        if isinstance(p, URLPattern) and getattr(p.pattern, "converters", None)
    ]


@pytest.fixture
def world() -> dict[str, Any]:
    """Rows of supplier A for every kind of id a staff URL takes."""
    supplier = make_supplier()
    customer, customer_link = customer_of(supplier)
    appeal = file_appeal(customer_link, files=[png_upload()])
    request = file_request(customer_link)
    document = file_document(customer_link)
    category = FaqCategory.objects.create(supplier=supplier, name="Оплата")
    return {
        "supplier": supplier,
        "appeal_id": appeal.pk,
        "request_id": request.pk,
        "document_id": document.pk,
        "attachment_id": appeal.attachments.get().pk,
        "customer_id": customer.pk,
        "supplier_id": supplier.pk,
        "faq": FaqQuestion.objects.create(category=category, question="Как?", answer="Так.").pk,
        "faq_category": category.pk,
        "catalog": CatalogItem.objects.create(supplier=supplier, code="x", name="Работа").pk,
    }


def url_for(pattern: URLPattern, world: dict[str, Any]) -> str:
    kwargs = {}
    for name in pattern.pattern.converters:
        key = pattern.default_args["kind"] if name == "pk" else name
        kwargs[name] = world[key]
    return reverse(f"staff:{pattern.name}", kwargs=kwargs)


def test_the_walk_covers_every_staff_url_with_an_id() -> None:
    names = {p.name for p in patterns_with_ids()}
    assert names == {
        "appeal",
        "appeal_assign",
        "appeal_close",
        "request",
        "request_status",
        "request_assign",
        "document",
        "attachment",
        "customer",
        "supplier_settings",
        "faq_edit",
        "faq_toggle",
        "faq_category_edit",
        "catalog_edit",
        "catalog_toggle",
    }


@pytest.mark.parametrize("pattern", patterns_with_ids(), ids=lambda p: p.name)
def test_staff_of_another_supplier_get_404(pattern: URLPattern, world: dict[str, Any]) -> None:
    url = url_for(pattern, world)
    own = staff_client(make_staff(world["supplier"]))
    other = staff_client(make_staff(make_supplier()))
    answers = {other.get(url).status_code, other.post(url, {}).status_code}
    # A method the view does not take is refused with 405 before anything is loaded.
    assert 404 in answers
    assert answers <= {404, 405}
    # The same URL works for the supplier's own staff, so the 404 is the scope, not a bad id.
    assert {own.get(url).status_code, own.post(url, {}).status_code} - {404, 405}


def all_patterns() -> list[URLPattern]:
    return [
        p
        for p in staff_urls.urlpatterns
        if isinstance(p, URLPattern) and p.name not in ("login", "logout")
    ]


@pytest.mark.parametrize("pattern", all_patterns(), ids=lambda p: p.name)
def test_customers_and_visitors_never_get_into_any_staff_page(
    pattern: URLPattern, world: dict[str, Any]
) -> None:
    url = url_for(pattern, world)
    customer = staff_client(make_customer())
    assert customer.get(url).status_code in (403, 405)
    assert customer.post(url, {}).status_code in (403, 405)
    anonymous = Client().get(url)
    if anonymous.status_code != 405:
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith("/staff/login/?next=")
