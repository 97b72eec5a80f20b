"""The admin opens every support model: lists (with search) and change pages, add pages for the
editable ones, and only views for what customers and staff write through the services."""

from __future__ import annotations

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse

from kabinet.billing.models import AccountLink
from kabinet.support import services
from kabinet.support.models import (
    Appeal,
    AppealMessage,
    Attachment,
    CatalogCategory,
    CatalogItem,
    FaqCategory,
    FaqQuestion,
    RequestType,
    ServiceRequest,
    ServiceRequestEvent,
    SocialNormDocument,
    SupportContact,
)
from tests.factories import (
    file_appeal,
    file_request,
    make_catalog_item,
    make_staff,
    pdf_upload,
    png_upload,
)

pytestmark = pytest.mark.django_db

EDITABLE = [CatalogCategory, CatalogItem, RequestType, FaqCategory, FaqQuestion, SupportContact]
VIEW_ONLY = [
    ServiceRequest,
    ServiceRequestEvent,
    Appeal,
    AppealMessage,
    Attachment,
    SocialNormDocument,
]


def url(model: type[models.Model], view: str, *args: object) -> str:
    return reverse(f"admin:support_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def rows(customer_link: AccountLink) -> dict[type[models.Model], models.Model]:
    supplier = customer_link.account.supplier
    request = file_request(customer_link, files=[png_upload()])
    appeal = file_appeal(customer_link.user, supplier)
    answer = services.answer_appeal(appeal=appeal, staff=make_staff(), text="Ответ")
    item = make_catalog_item(supplier)
    category = FaqCategory.objects.create(name="Оплата")
    return {
        CatalogCategory: CatalogCategory.objects.create(supplier=supplier, name="Поверка"),
        CatalogItem: item,
        RequestType: request.request_type,  # type: ignore[dict-item]
        FaqCategory: category,
        FaqQuestion: FaqQuestion.objects.create(category=category, question="?", answer="!"),
        SupportContact: SupportContact.objects.create(supplier=supplier, kind="phone", title="КЦ"),
        ServiceRequest: request,
        ServiceRequestEvent: request.events.first(),  # type: ignore[dict-item]
        Appeal: appeal,
        AppealMessage: answer,
        Attachment: request.attachments.get(),
        SocialNormDocument: services.upload_social_document(
            link=customer_link, kind="residents", files=[pdf_upload()]
        ),
    }


@pytest.mark.parametrize("model", EDITABLE + VIEW_ONLY, ids=lambda m: m.__name__)
def test_it_lists_searches_and_opens_every_support_model(
    admin_client: Client, rows: dict[type[models.Model], models.Model], model: type[models.Model]
) -> None:
    listed = admin_client.get(url(model, "changelist"))
    assert listed.status_code == 200
    assert rows[model] in list(listed.context["cl"].result_list)
    assert admin_client.get(url(model, "changelist"), {"q": "нет-такого"}).status_code == 200
    assert admin_client.get(url(model, "change", rows[model].pk)).status_code == 200


@pytest.mark.parametrize("model", EDITABLE, ids=lambda m: m.__name__)
def test_staff_add_catalog_faq_and_contacts_in_the_admin(
    admin_client: Client, model: type[models.Model]
) -> None:
    assert admin_client.get(url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", VIEW_ONLY, ids=lambda m: m.__name__)
def test_requests_appeals_and_documents_are_view_only_here(
    admin_client: Client, rows: dict[type[models.Model], models.Model], model: type[models.Model]
) -> None:
    assert admin_client.get(url(model, "add")).status_code == 403
    page = admin_client.get(url(model, "change", rows[model].pk))
    assert b'name="_save"' not in page.content
