"""Customer API for the support app: catalog, FAQ, appeals, service requests, documents.

The same services and selectors as the pages. Every id goes through a selector that filters by
the user (or ``linked_account``), so someone else's appeal, request or account answers 404.
Writes are multipart/form-data: the fields, plus up to 5 files under ``attachments``, each
checked by its content like the pages' uploads.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile as DjangoUploadedFile
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile
from pydantic import Field

from kabinet.api.auth import request_user
from kabinet.api.errors import ApiError
from kabinet.api.schemas import Error, out
from kabinet.billing.models import Supplier
from kabinet.billing.selectors import linked_account
from kabinet.support import selectors, services
from kabinet.support.models import (
    Appeal,
    Attachment,
    RequestType,
    ServiceRequest,
    SocialNormDocument,
)

router = Router(tags=["support"])
documents_router = Router(tags=["support"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error, 429: Error}


def _uploads(files: list[Any] | None) -> list[DjangoUploadedFile]:
    return list(files or [])


# --- schemas ---------------------------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str = Field(description="Скачать: доступно только владельцу (сессия или токен)")


def _attachments(items: Any) -> list[AttachmentOut]:
    return [_attachment_out(a) for a in items]


def _attachment_out(item: Attachment) -> AttachmentOut:
    return out(
        AttachmentOut, item, name=item.original_name, url=f"/api/v1/support/attachments/{item.pk}"
    )


class CatalogItemOut(Schema):
    id: int
    code: str
    name: str
    description: str
    category: str | None
    price: Decimal | None = Field(description="Пусто — по договорённости")
    unit: str


class SupplierCatalogOut(Schema):
    supplier_id: int
    supplier: str
    items: list[CatalogItemOut]


class FaqQuestionOut(Schema):
    id: int
    question: str
    answer: str


class FaqCategoryOut(Schema):
    id: int
    name: str
    supplier_id: int | None
    questions: list[FaqQuestionOut]


class ContactOut(Schema):
    supplier_id: int
    kind: str
    title: str
    address: str
    phone: str
    hours: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None


class FaqOut(Schema):
    categories: list[FaqCategoryOut]
    contacts: list[ContactOut]


class RequestTypeOut(Schema):
    id: int
    name: str
    description: str
    requires_meter: bool


class RequestEventOut(Schema):
    at: dt.datetime
    status: str
    status_label: str
    comment: str
    by_staff: bool


class RequestOut(Schema):
    id: int
    number: str
    account_id: int
    supplier_id: int
    supplier: str
    request_type_id: int | None
    catalog_item_id: int | None
    title: str
    price: Decimal | None
    reason: str
    contact_phone: str
    desired_date: dt.date
    desired_slot: str
    status: str
    status_label: str
    cancel_reason: str
    can_cancel: bool
    created_at: dt.datetime


class RequestDetailOut(RequestOut):
    events: list[RequestEventOut]
    attachments: list[AttachmentOut]


class RequestIn(Schema):
    account_id: int
    request_type_id: int | None = Field(None, description="Тип заявки (или catalog_item_id)")
    catalog_item_id: int | None = Field(None, description="Заказ услуги из каталога")
    reason: str = Field("", description="Причина или комментарий, до 4000 символов")
    contact_phone: str
    desired_date: dt.date
    desired_slot: str = Field("09-12", description="09-12, 12-15 или 15-18")


class CancelIn(Schema):
    reason: str = ""


class AppealOut(Schema):
    id: int
    number: str
    supplier_id: int
    supplier: str
    account_id: int | None
    topic: str
    topic_label: str
    status: str
    status_label: str
    has_unread_answer: bool
    created_at: dt.datetime


class AppealMessageOut(Schema):
    id: int
    by_staff: bool
    text: str
    created_at: dt.datetime
    attachments: list[AttachmentOut]


class AppealDetailOut(AppealOut):
    text: str
    attachments: list[AttachmentOut]
    messages: list[AppealMessageOut]


class AppealIn(Schema):
    supplier_id: int
    account_id: int | None = None
    topic: str = Field(description=", ".join(Appeal.Topic.values))
    text: str = Field(description="До 4000 символов")


class MessageIn(Schema):
    text: str = Field(description="До 4000 символов")


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    comment: str
    status: str
    status_label: str
    reject_reason: str
    created_at: dt.datetime
    attachments: list[AttachmentOut]


class DocumentIn(Schema):
    kind: str = Field(description=", ".join(SocialNormDocument.Kind.values))
    comment: str = Field("", description="До 4000 символов")


# --- converters ------------------------------------------------------------------------------


def _request_values(item: ServiceRequest) -> dict[str, Any]:
    """What a request's body says beyond the request's own attributes."""
    return {
        "number": item.number or "",
        "supplier": item.supplier.short_name,
        "status_label": item.get_status_display(),
    }


def _request_out(item: ServiceRequest) -> RequestOut:
    return out(RequestOut, item, **_request_values(item))


def _request_detail(item: ServiceRequest) -> RequestDetailOut:
    return out(
        RequestDetailOut,
        item,
        **_request_values(item),
        events=[
            out(
                RequestEventOut,
                e,
                status_label=e.get_status_display(),
                by_staff=e.actor_is_staff,
            )
            for e in item.events.all()
        ],
        attachments=_attachments(item.attachments.all()),
    )


def _appeal_values(appeal: Appeal) -> dict[str, Any]:
    """What an appeal's body says beyond the appeal's own attributes."""
    return {
        "number": appeal.number or "",
        "supplier": appeal.supplier.short_name,
        "topic_label": appeal.get_topic_display(),
        "status_label": appeal.get_status_display(),
    }


def _appeal_out(appeal: Appeal) -> AppealOut:
    return out(
        AppealOut, appeal, **_appeal_values(appeal), has_unread_answer=appeal.customer_unread
    )


def _appeal_detail(appeal: Appeal, *, unread: bool) -> AppealDetailOut:
    return out(
        AppealDetailOut,
        appeal,
        **_appeal_values(appeal),
        has_unread_answer=unread,
        attachments=_attachments(appeal.attachments.all()),
        messages=[
            out(
                AppealMessageOut,
                m,
                by_staff=m.is_staff,
                attachments=_attachments(m.attachments.all()),
            )
            for m in appeal.messages.all()
        ],
    )


def _document_out(document: SocialNormDocument) -> DocumentOut:
    return out(
        DocumentOut,
        document,
        kind_label=document.get_kind_display(),
        status_label=document.get_status_display(),
        attachments=_attachments(document.attachments.all()),
    )


def _date_range(date_from: dt.date | None, date_to: dt.date | None) -> None:
    if date_from and date_to and date_from > date_to:
        message = _("Конец периода раньше его начала.")
        raise ApiError("invalid_period", message, field="date_to")


# --- catalog and FAQ -------------------------------------------------------------------------


@router.get(
    "/catalog",
    response={200: list[SupplierCatalogOut], **ERRORS},
    summary="Каталог услуг с ценами по поставщикам",
)
def catalog(request: HttpRequest, supplier_id: int | None = None) -> list[SupplierCatalogOut]:
    return [
        SupplierCatalogOut(
            supplier_id=group.supplier.pk,
            supplier=group.supplier.short_name,
            items=[
                out(CatalogItemOut, item, category=item.category.name if item.category else None)
                for item in group.items
            ],
        )
        for group in selectors.catalog(supplier_id)
    ]


@router.get(
    "/faq",
    response={200: FaqOut, **ERRORS},
    summary="Вопросы и ответы (поиск: q) и контакты службы поддержки",
)
def faq(request: HttpRequest, q: str = "", supplier_id: int | None = None) -> FaqOut:
    groups = selectors.faq(supplier_id=supplier_id, q=q[:200])
    return FaqOut(
        categories=[
            out(
                FaqCategoryOut,
                g.category,
                questions=[out(FaqQuestionOut, q) for q in g.questions],
            )
            for g in groups
        ],
        contacts=[
            out(ContactOut, c) for c in selectors.contacts([supplier_id] if supplier_id else None)
        ],
    )


@router.get(
    "/offices",
    response={200: list[ContactOut], **ERRORS},
    summary="Офисы обслуживания: адреса, часы работы и координаты для карты",
)
def offices(request: HttpRequest, supplier_id: int | None = None) -> list[ContactOut]:
    return [out(ContactOut, office) for office in selectors.offices(supplier_id)]


# --- requests --------------------------------------------------------------------------------


@router.get(
    "/request-types",
    response={200: list[RequestTypeOut], **ERRORS},
    summary="Типы заявок, которые принимает поставщик лицевого счёта",
)
def request_types(request: HttpRequest, account_id: int) -> list[RequestTypeOut]:
    link = linked_account(request_user(request), account_id)
    return [out(RequestTypeOut, t) for t in selectors.request_types(link.account.supplier_id)]


@router.get(
    "/requests",
    response={200: list[RequestOut], **ERRORS},
    summary="Заявки по всем лицевым счетам (фильтр: даты подачи, статусы через запятую, счёт)",
)
def list_requests(
    request: HttpRequest,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    status: str = "",
    account_id: int | None = None,
) -> list[RequestOut]:
    _date_range(date_from, date_to)
    statuses = [s.strip() for s in status.split(",") if s.strip()]
    unknown = [s for s in statuses if s not in ServiceRequest.Status.values]
    if unknown:
        message = _("Неизвестный статус: %(status)s.") % {"status": ", ".join(unknown)}
        raise ApiError("invalid_status", message, field="status")
    return [
        _request_out(item)
        for item in selectors.customer_requests(
            request_user(request),
            date_from=date_from,
            date_to=date_to,
            statuses=statuses,
            account_id=account_id,
        )
    ]


@router.post(
    "/requests",
    response={201: RequestDetailOut, **ERRORS},
    summary="Подать заявку или заказать услугу из каталога (multipart/form-data)",
)
def create_request(
    request: HttpRequest,
    payload: Form[RequestIn],
    attachments: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[RequestDetailOut]:
    user = request_user(request)
    link = linked_account(user, payload.account_id)
    files = _uploads(attachments)
    if payload.catalog_item_id is not None:
        item = selectors.catalog_item(payload.catalog_item_id)
        created = services.order_catalog_item(
            link=link,
            item=item,
            contact_phone=payload.contact_phone,
            desired_date=payload.desired_date,
            desired_slot=payload.desired_slot,
            comment=payload.reason,
            files=files,
        )
    else:
        request_type = RequestType.objects.filter(pk=payload.request_type_id or 0).first()
        if request_type is None:
            message = _("Выберите тип заявки из списка.")
            raise ApiError("invalid_type", message, field="request_type_id")
        created = services.create_request(
            link=link,
            request_type=request_type,
            reason=payload.reason,
            contact_phone=payload.contact_phone,
            desired_date=payload.desired_date,
            desired_slot=payload.desired_slot,
            files=files,
        )
    return Status(201, _request_detail(selectors.customer_request(user, created.pk)))


@router.get(
    "/requests/{request_id}",
    response={200: RequestDetailOut, **ERRORS},
    summary="Карточка заявки с историей статусов",
)
def get_request(request: HttpRequest, request_id: int) -> RequestDetailOut:
    return _request_detail(selectors.customer_request(request_user(request), request_id))


@router.post(
    "/requests/{request_id}/cancel",
    response={200: RequestDetailOut, **ERRORS},
    summary="Отменить заявку, пока она не взята в работу",
)
def cancel_request(
    request: HttpRequest, request_id: int, payload: Form[CancelIn]
) -> RequestDetailOut:
    user = request_user(request)
    item = selectors.customer_request(user, request_id)
    services.cancel_request(request=item, user=user, reason=payload.reason)
    return _request_detail(selectors.customer_request(user, request_id))


# --- appeals ---------------------------------------------------------------------------------


@router.get(
    "/appeals",
    response={200: list[AppealOut], **ERRORS},
    summary="Обращения за период (по умолчанию — последние 3 месяца)",
)
def list_appeals(
    request: HttpRequest,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    status: str = "",
) -> list[AppealOut]:
    _date_range(date_from, date_to)
    if status and status not in Appeal.Status.values:
        message = _("Неизвестный статус: %(status)s.") % {"status": status}
        raise ApiError("invalid_status", message, field="status")
    if date_from is None and date_to is None:
        date_from, date_to = selectors.months_back(3)
    return [
        _appeal_out(a)
        for a in selectors.customer_appeals(
            request_user(request), (date_from, date_to), status=status
        )
    ]


@router.post(
    "/appeals",
    response={201: AppealDetailOut, **ERRORS},
    summary="Задать вопрос: обращение с регистрационным номером (multipart/form-data)",
)
def create_appeal(
    request: HttpRequest,
    payload: Form[AppealIn],
    attachments: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[AppealDetailOut]:
    user = request_user(request)
    supplier = Supplier.objects.filter(pk=payload.supplier_id).first()
    if supplier is None:
        message = _("Выберите поставщика из списка.")
        raise ApiError("invalid_supplier", message, field="supplier_id")
    account = None
    if payload.account_id is not None:
        account = linked_account(user, payload.account_id).account
    appeal = services.create_appeal(
        user=user,
        supplier=supplier,
        account=account,
        topic=payload.topic,
        text=payload.text,
        files=_uploads(attachments),
    )
    return Status(201, _appeal_detail(selectors.customer_appeal(user, appeal.pk), unread=False))


@router.get(
    "/appeals/{appeal_id}",
    response={200: AppealDetailOut, **ERRORS},
    summary="Обращение с перепиской; снимает отметку о непрочитанном ответе",
)
def get_appeal(request: HttpRequest, appeal_id: int) -> AppealDetailOut:
    user = request_user(request)
    appeal = selectors.customer_appeal(user, appeal_id)
    unread = appeal.customer_unread
    services.mark_appeal_read(appeal=appeal, user=user)
    return _appeal_detail(appeal, unread=unread)


@router.post(
    "/appeals/{appeal_id}/messages",
    response={201: AppealDetailOut, **ERRORS},
    summary="Дополнить обращение (ответ клиента, multipart/form-data)",
)
def reply_to_appeal(
    request: HttpRequest,
    appeal_id: int,
    payload: Form[MessageIn],
    attachments: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[AppealDetailOut]:
    user = request_user(request)
    appeal = selectors.customer_appeal(user, appeal_id)
    services.reply_to_appeal(
        appeal=appeal, user=user, text=payload.text, files=_uploads(attachments)
    )
    return Status(201, _appeal_detail(selectors.customer_appeal(user, appeal_id), unread=False))


@router.get(
    "/attachments/{attachment_id}",
    response={200: None, **ERRORS},
    summary="Вложение своей заявки, обращения или документа",
)
def get_attachment(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    item = selectors.customer_attachment(request_user(request), attachment_id)
    return item.file_response(inline=False)


# --- documents for the social norm (mounted under /accounts) ---------------------------------


@documents_router.get(
    "/{account_id}/documents",
    response={200: list[DocumentOut], **ERRORS},
    summary="Документы для соц. нормы по лицевому счёту",
)
def list_documents(request: HttpRequest, account_id: int) -> list[DocumentOut]:
    link = linked_account(request_user(request), account_id)
    return [_document_out(d) for d in selectors.account_documents(link)]


@documents_router.post(
    "/{account_id}/documents",
    response={201: DocumentOut, **ERRORS},
    summary="Отправить документы для соц. нормы (multipart/form-data, файлы обязательны)",
)
def upload_documents(
    request: HttpRequest,
    account_id: int,
    payload: Form[DocumentIn],
    attachments: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[DocumentOut]:
    link = linked_account(request_user(request), account_id)
    document = services.upload_social_document(
        link=link, kind=payload.kind, comment=payload.comment, files=_uploads(attachments)
    )
    return Status(201, _document_out(document))


class AccountSupportOut(Schema):
    """The «Обращения» tab of an account: the customer's appeals and requests about it."""

    date_from: dt.date | None
    date_to: dt.date | None
    appeals: list[AppealOut]
    requests: list[RequestOut]


@documents_router.get(
    "/{account_id}/appeals",
    response={200: AccountSupportOut, **ERRORS},
    summary="Обращения и заявки по лицевому счёту (по умолчанию — последние 3 месяца)",
)
def account_appeals(
    request: HttpRequest,
    account_id: int,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> AccountSupportOut:
    user = request_user(request)
    link = linked_account(user, account_id)
    _date_range(date_from, date_to)
    if date_from is None and date_to is None:
        date_from, date_to = selectors.months_back(3)
    found = selectors.account_support(user, link.account_id, (date_from, date_to))
    return AccountSupportOut(
        date_from=date_from,
        date_to=date_to,
        appeals=[_appeal_out(a) for a in found.appeals],
        requests=[_request_out(r) for r in found.requests],
    )
