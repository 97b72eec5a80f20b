"""Acts on requests, appeals and documents, by customers and by staff.

Each act is one transaction that writes one audit row; what the customer must learn about (a
staff answer, a request's new status, a reviewed document) is queued to them by e-mail or SMS in
the same transaction (kabinet.messaging writes the message and delivers it after the commit).

Bad input raises ``SupportError`` with a Russian message and, where it belongs to a form field,
the field's name; nothing is written then. Ownership is the caller's job: customer acts take an
``AccountLink`` (from ``billing.selectors.linked_account``) or an object the caller loaded through
``support.selectors``. Staff acts take ``staff=`` and check it against the object's supplier
with ``billing.scoping`` (the rule the staff area reads by), refusing with ``PermissionDenied``;
their audit row carries the supplier, so the staff journal shows it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.billing import scoping, versions
from kabinet.billing.models import Account, AccountLink, Supplier
from kabinet.core import ratelimit
from kabinet.core.audit import Action, record
from kabinet.core.errors import ServiceError
from kabinet.core.events import customer_event
from kabinet.core.uploads import StoredFile, private_storage, store_upload
from kabinet.identity.backends import normalize_phone
from kabinet.identity.models import User
from kabinet.messaging.services import DeliveryRefused, send_email, send_sms
from kabinet.support.models import (
    TEXT_MAX_LENGTH,
    Appeal,
    AppealMessage,
    Attachment,
    CatalogItem,
    RequestType,
    ServiceRequest,
    ServiceRequestEvent,
    SocialNormDocument,
    TimeSlot,
)
from kabinet.support.selectors import forget_unread_count

logger = logging.getLogger(__name__)

MAX_FILES = 5
# How far ahead a visit may be asked for: beyond that nobody plans a crew.
MAX_DAYS_AHEAD = 180
# Appeals and requests a customer may file in an hour (each lands in a staff queue).
CREATE_LIMIT_PER_HOUR = 20
CREATE_LIMIT_WINDOW = 3600

Status = ServiceRequest.Status
# The two kinds of item staff take into work and hand to each other.
Assignable = TypeVar("Assignable", Appeal, ServiceRequest)


class SupportError(ServiceError):
    """A request, appeal, document or staff act refused, with a Russian message."""


# --- helpers ---------------------------------------------------------------------------------


def supplier_today(supplier: Supplier) -> dt.date:
    """Today in the supplier's time zone: a visit date is judged where the crew works."""
    return timezone.localdate(timezone=ZoneInfo(supplier.time_zone))


def registration_number(prefix: str, pk: int, when: dt.datetime, supplier: Supplier) -> str:
    """«О-2026-000123»: derived from the primary key after insert, so it is unique and race-free."""
    year = timezone.localtime(when, ZoneInfo(supplier.time_zone)).year
    return f"{prefix}-{year}-{pk:06d}"


def clean_text(text: str, *, field: str, required: bool = True) -> str:
    value = (text or "").strip()
    if required and not value:
        raise SupportError("required", _("Заполните это поле."), field=field)
    if len(value) > TEXT_MAX_LENGTH:
        raise SupportError(
            "too_long",
            _("Не больше %(limit)s символов (сейчас %(length)s).")
            % {"limit": TEXT_MAX_LENGTH, "length": len(value)},
            field=field,
        )
    return value


def clean_phone(raw: str) -> str:
    if not (raw or "").strip():
        raise SupportError("required", _("Укажите контактный телефон."), field="contact_phone")
    phone = normalize_phone(raw)
    if phone is None:
        raise SupportError(
            "invalid_phone",
            _("Неверный номер телефона. Введите его в виде +7 900 123-45-67."),
            field="contact_phone",
        )
    return phone


def clean_desired_date(value: dt.date | None, supplier: Supplier) -> dt.date:
    if value is None:
        raise SupportError("required", _("Укажите желаемую дату."), field="desired_date")
    today = supplier_today(supplier)
    if value < today:
        raise SupportError(
            "date_in_past",
            _("Дата уже прошла: выберите сегодняшнюю или позже."),
            field="desired_date",
        )
    if value > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise SupportError(
            "date_too_far",
            _("Выберите дату не позже чем через %(days)s дней.") % {"days": MAX_DAYS_AHEAD},
            field="desired_date",
        )
    return value


def clean_slot(value: str) -> str:
    if value not in TimeSlot.values:
        raise SupportError("invalid_slot", _("Выберите время из списка."), field="desired_slot")
    return value


def _check_create_limit(user: User, what: str) -> None:
    try:
        allowed = ratelimit.hit(
            f"support:{what}:{user.pk}", limit=CREATE_LIMIT_PER_HOUR, window=CREATE_LIMIT_WINDOW
        )
    except ratelimit.LimiterUnavailable:
        # Nothing is sent or paid for here: a customer's appeal matters more than the cap.
        logger.warning("Support rate limiter unavailable; %s allowed uncounted", what)
        return
    if not allowed:
        raise SupportError(
            "throttled", _("Слишком много обращений за час. Попробуйте позже или позвоните нам.")
        )


def store_files(files: Sequence[UploadedFile], *, folder: str) -> list[StoredFile]:
    """Check and store up to MAX_FILES uploads; on any bad file nothing stays stored."""
    files = [f for f in files if f is not None]
    if len(files) > MAX_FILES:
        raise SupportError(
            "too_many_files",
            _("Можно приложить не больше %(count)s файлов.") % {"count": MAX_FILES},
            field="attachments",
        )
    stored: list[StoredFile] = []
    try:
        for upload in files:
            try:
                stored.append(store_upload(upload, folder=folder))
            except ValidationError as error:
                raise SupportError(
                    "bad_file", f"{upload.name}: {' '.join(error.messages)}", field="attachments"
                ) from error
    except BaseException:
        discard_files(stored)
        raise
    return stored


def discard_files(stored: Sequence[StoredFile]) -> None:
    for item in stored:
        try:
            private_storage.delete(item.name)
        except OSError:
            logger.warning("Could not delete orphan upload %s", item.name)


def _attach(stored: Sequence[StoredFile], *, user: User, **owner: Any) -> list[Attachment]:
    return [
        Attachment.objects.create(
            file=item.name,
            original_name=item.original_name or f"file.{item.kind.extension}",
            content_type=item.kind.content_type,
            size=item.size,
            sha256=item.sha256,
            uploaded_by=user,
            **owner,
        )
        for item in stored
    ]


def _check_staff(staff: User, supplier_id: int) -> None:
    """Refuse anyone but a staff member whose scope holds ``supplier_id``."""
    if not scoping.may_act_for(staff, supplier_id):
        raise PermissionDenied("not a staff member of this supplier")


def _check_assignee(assignee: User | None, supplier_id: int) -> None:
    if assignee is not None and not (
        scoping.assignable_staff(supplier_id).filter(pk=assignee.pk).exists()
    ):
        raise SupportError(
            "not_staff", _("Назначить можно только сотрудника этого поставщика."), field="assignee"
        )


def notify_customer(user: User | None, template: str, context: dict[str, Any]) -> str | None:
    """E-mail to a confirmed address, else SMS to the phone; the channel used, or None.

    An SMS refused by the caps is logged and dropped: the act it reports on must not fail, and
    the customer still sees it in the portal.
    """
    if user is None or not user.is_active:
        return None
    context = {"site_url": settings.SITE_URL, **context}
    if user.has_confirmed_email and user.email:
        send_email(to=user.email, template=template, context=context)
        return "email"
    if user.phone:
        try:
            send_sms(to=user.phone, template=template, context=context)
        except DeliveryRefused as refused:
            logger.warning("Support SMS to user %s refused: %s", user.pk, refused.reason)
            return None
        return "sms"
    return None


def _with_files(files: Sequence[UploadedFile], folder: str) -> list[StoredFile]:
    return store_files(files, folder=folder) if files else []


# --- customer: requests ----------------------------------------------------------------------


def _create_request(
    *,
    link: AccountLink,
    request_type: RequestType | None,
    catalog_item: CatalogItem | None,
    reason: str,
    contact_phone: str,
    desired_date: dt.date | None,
    desired_slot: str,
    files: Sequence[UploadedFile],
    action: Action,
) -> ServiceRequest:
    user = link.user
    account: Account = link.account
    supplier = account.supplier
    reason = clean_text(reason, field="reason", required=catalog_item is None)
    phone = clean_phone(contact_phone)
    date = clean_desired_date(desired_date, supplier)
    slot = clean_slot(desired_slot)
    _check_create_limit(user, "request")
    stored = _with_files(files, "requests")
    try:
        with transaction.atomic():
            request = ServiceRequest.objects.create(
                user=user,
                account=account,
                supplier=supplier,
                request_type=request_type,
                catalog_item=catalog_item,
                price=catalog_item.price if catalog_item is not None else None,
                reason=reason,
                contact_phone=phone,
                desired_date=date,
                desired_slot=slot,
            )
            request.number = registration_number("З", request.pk, request.created_at, supplier)
            request.save(update_fields=["number"])
            ServiceRequestEvent.objects.create(
                request=request, status=Status.NEW, actor=user, actor_is_staff=False
            )
            _attach(stored, user=user, service_request=request)
            record(
                actor=user,
                action=action,
                obj=request,
                number=request.number,
                account=account.pk,
                type=request_type.pk if request_type else None,
                item=catalog_item.pk if catalog_item else None,
            )
    except BaseException:
        discard_files(stored)
        raise
    return request


def create_request(
    *,
    link: AccountLink,
    request_type: RequestType,
    reason: str,
    contact_phone: str,
    desired_date: dt.date | None,
    desired_slot: str,
    files: Sequence[UploadedFile] = (),
) -> ServiceRequest:
    """File a service request of one of the supplier's active types (status «Принята в систему»)."""
    if request_type.supplier_id != link.account.supplier_id or not request_type.is_active:
        raise SupportError(
            "invalid_type",
            _("Этот тип заявки не принимается по вашему счёту."),
            field="request_type",
        )
    return _create_request(
        link=link,
        request_type=request_type,
        catalog_item=None,
        reason=reason,
        contact_phone=contact_phone,
        desired_date=desired_date,
        desired_slot=desired_slot,
        files=files,
        action=Action.REQUEST_CREATED,
    )


def order_catalog_item(
    *,
    link: AccountLink,
    item: CatalogItem,
    contact_phone: str,
    desired_date: dt.date | None,
    desired_slot: str,
    comment: str = "",
    files: Sequence[UploadedFile] = (),
) -> ServiceRequest:
    """Order a service of the catalog: a request with the item and its price at this moment."""
    if item.supplier_id != link.account.supplier_id:
        raise SupportError(
            "wrong_supplier",
            _("Эту услугу оказывает другой поставщик: выберите его лицевой счёт."),
            field="account",
        )
    if not item.is_active:
        raise SupportError("inactive_item", _("Эту услугу сейчас заказать нельзя."), field="item")
    return _create_request(
        link=link,
        request_type=None,
        catalog_item=item,
        reason=comment,
        contact_phone=contact_phone,
        desired_date=desired_date,
        desired_slot=desired_slot,
        files=files,
        action=Action.CATALOG_ITEM_ORDERED,
    )


def cancel_request(*, request: ServiceRequest, user: User, reason: str = "") -> ServiceRequest:
    """The customer cancels their request while it is still «Принята в систему».

    The row is locked first, so a staff member moving it to «В работе» at the same moment wins
    or loses cleanly: once in work, this raises ``SupportError("not_cancellable")``.
    """
    reason = clean_text(reason, field="reason", required=False)
    with transaction.atomic():
        locked = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        if locked.user_id != user.pk:
            raise PermissionDenied("not the customer's request")
        if locked.status != Status.NEW:
            raise SupportError(
                "not_cancellable",
                _(
                    "Заявку уже нельзя отменить: её статус «%(status)s». "
                    "Позвоните в контактный центр."
                )
                % {"status": locked.get_status_display()},
            )
        locked.status = Status.CANCELED_BY_CUSTOMER
        locked.cancel_reason = reason
        locked.save(update_fields=["status", "cancel_reason", "updated_at"])
        ServiceRequestEvent.objects.create(
            request=locked,
            status=Status.CANCELED_BY_CUSTOMER,
            comment=reason,
            actor=user,
            actor_is_staff=False,
        )
        record(actor=user, action=Action.REQUEST_CANCELED, obj=locked, number=locked.number)
    return locked


# --- customer: appeals -----------------------------------------------------------------------


def create_appeal(
    *,
    user: User,
    supplier: Supplier,
    account: Account | None,
    topic: str,
    text: str,
    files: Sequence[UploadedFile] = (),
) -> Appeal:
    """Register an appeal (status «Зарегистрировано») with its number and attachments.

    ``account``, when given, must be linked to the user (the caller loaded it through
    ``linked_account``) and belong to ``supplier``.
    """
    if topic not in Appeal.Topic.values:
        raise SupportError("invalid_topic", _("Выберите тему из списка."), field="topic")
    if account is not None and account.supplier_id != supplier.pk:
        raise SupportError(
            "wrong_supplier", _("Этот лицевой счёт открыт у другого поставщика."), field="account"
        )
    text = clean_text(text, field="text")
    _check_create_limit(user, "appeal")
    stored = _with_files(files, "appeals")
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                user=user, supplier=supplier, account=account, topic=topic, text=text
            )
            appeal.number = registration_number("О", appeal.pk, appeal.created_at, supplier)
            appeal.save(update_fields=["number"])
            _attach(stored, user=user, appeal=appeal)
            record(
                actor=user,
                action=Action.APPEAL_CREATED,
                obj=appeal,
                number=appeal.number,
                topic=topic,
            )
    except BaseException:
        discard_files(stored)
        raise
    return appeal


def reply_to_appeal(
    *, appeal: Appeal, user: User, text: str, files: Sequence[UploadedFile] = ()
) -> AppealMessage:
    """The customer writes again in the thread; an answered or closed appeal re-opens.

    It goes back to «В работе» when a staff member has it, else to «Зарегистрировано».
    """
    text = clean_text(text, field="text")
    _check_create_limit(user, "appeal-reply")
    stored = _with_files(files, "appeals")
    try:
        with transaction.atomic():
            locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
            if locked.user_id != user.pk:
                raise PermissionDenied("not the customer's appeal")
            message = AppealMessage.objects.create(
                appeal=locked, author=user, is_staff=False, text=text
            )
            _attach(stored, user=user, appeal_message=message)
            if locked.status in (Appeal.Status.ANSWERED, Appeal.Status.CLOSED):
                locked.status = (
                    Appeal.Status.IN_PROGRESS
                    if locked.assigned_to_id is not None
                    else Appeal.Status.NEW
                )
            locked.customer_unread = False
            locked.save(update_fields=["status", "customer_unread", "updated_at"])
            versions.bump_for_user(user.pk)
            record(actor=user, action=Action.APPEAL_REPLIED, obj=locked, number=locked.number)
            transaction.on_commit(lambda: forget_unread_count(user.pk))
    except BaseException:
        discard_files(stored)
        raise
    appeal.status = locked.status
    appeal.customer_unread = False
    return message


def mark_appeal_read(*, appeal: Appeal, user: User) -> None:
    """The customer has seen the answers: clear the unread badge (no audit: it is a view)."""
    if appeal.customer_unread and appeal.user_id == user.pk:
        with transaction.atomic():
            Appeal.objects.filter(pk=appeal.pk, user=user).update(customer_unread=False)
            versions.bump_for_user(user.pk)
        appeal.customer_unread = False
        forget_unread_count(user.pk)


# --- customer: documents for the social norm -------------------------------------------------


def upload_social_document(
    *,
    link: AccountLink,
    kind: str,
    comment: str = "",
    files: Sequence[UploadedFile],
) -> SocialNormDocument:
    """Send scans of documents for the social consumption norm (status «Получены»)."""
    if kind not in SocialNormDocument.Kind.values:
        raise SupportError("invalid_kind", _("Выберите вид документа из списка."), field="kind")
    comment = clean_text(comment, field="comment", required=False)
    if not [f for f in files if f is not None]:
        raise SupportError("no_files", _("Приложите скан или фото документа."), field="attachments")
    user = link.user
    _check_create_limit(user, "document")
    stored = store_files(files, folder="documents")
    try:
        with transaction.atomic():
            document = SocialNormDocument.objects.create(
                user=user,
                account=link.account,
                supplier=link.account.supplier,
                kind=kind,
                comment=comment,
            )
            _attach(stored, user=user, document=document)
            record(
                actor=user,
                action=Action.DOCUMENT_UPLOADED,
                obj=document,
                account=link.account_id,
            )
    except BaseException:
        discard_files(stored)
        raise
    return document


# --- staff ---------------------------------------------------------------------------------


def answer_appeal(
    *, staff: User, appeal: Appeal, text: str, files: Sequence[UploadedFile] = ()
) -> AppealMessage:
    """A staff answer: the message, status «Дан ответ», the unread mark, and a notice by e-mail
    (confirmed address) or else SMS. A closed appeal is re-opened by answering it."""
    _check_staff(staff, appeal.supplier_id)
    text = clean_text(text, field="text")
    stored = _with_files(files, "appeals")
    try:
        with transaction.atomic():
            locked = (
                Appeal.objects.select_for_update(of=("self",))
                .select_related("user", "supplier")
                .get(pk=appeal.pk)
            )
            message = AppealMessage.objects.create(
                appeal=locked, author=staff, is_staff=True, text=text
            )
            _attach(stored, user=staff, appeal_message=message)
            locked.status = Appeal.Status.ANSWERED
            locked.customer_unread = True
            if locked.assigned_to_id is None:
                locked.assigned_to = staff
            locked.save(update_fields=["status", "customer_unread", "assigned_to", "updated_at"])
            if locked.user_id is not None:
                # The unread badge is in the menu of every account page of the customer.
                versions.bump_for_user(locked.user_id)
            channel = notify_customer(
                locked.user,
                "support_appeal_answered",
                {"number": locked.number, "supplier": locked.supplier.short_name},
            )
            customer_event.send(
                sender=Appeal,
                kind="appeal_answered",
                user_id=locked.user_id,
                account_id=locked.account_id,
                key=f"appeal:{locked.pk}:{message.pk}",
                payload={"appeal_id": locked.pk, "number": locked.number},
            )
            record(
                actor=staff,
                action=Action.APPEAL_ANSWERED,
                obj=locked,
                supplier_id=locked.supplier_id,
                number=locked.number,
                message_id=message.pk,
                files=len(stored),
                notice=channel,
            )
            customer_id = locked.user_id
            transaction.on_commit(lambda: forget_unread_count(customer_id))
    except BaseException:
        discard_files(stored)
        raise
    appeal.status = locked.status
    appeal.customer_unread = True
    appeal.assigned_to_id = locked.assigned_to_id
    return message


def _assign(
    staff: User,
    item: Assignable,
    assignee: User | None,
    action: Action,
    *,
    start_work: bool = False,
) -> Assignable:
    """Set who works on an appeal or a request, locked, with the before and after in the audit.

    With ``start_work`` a new item that gets an assignee goes into work as well.
    """
    _check_staff(staff, item.supplier_id)
    _check_assignee(assignee, item.supplier_id)
    with transaction.atomic():
        locked = type(item)._default_manager.select_for_update().get(pk=item.pk)
        before = locked.assigned_to_id
        locked.assigned_to = assignee
        fields = ["assigned_to", "updated_at"]
        if start_work and assignee is not None and locked.status == Appeal.Status.NEW:
            locked.status = Appeal.Status.IN_PROGRESS
            fields.append("status")
        locked.save(update_fields=fields)
        record(
            actor=staff,
            action=action,
            obj=locked,
            supplier_id=locked.supplier_id,
            number=locked.number,
            assignee={"before": before, "after": assignee.pk if assignee else None},
        )
    return locked


def assign_appeal(*, staff: User, appeal: Appeal, assignee: User | None) -> Appeal:
    """Give the appeal to a staff member (None takes it off them); a new appeal goes into work."""
    return _assign(staff, appeal, assignee, Action.APPEAL_ASSIGNED, start_work=True)


def close_appeal(*, staff: User, appeal: Appeal) -> Appeal:
    """Close the appeal; a later customer reply re-opens it. Closing a closed one does nothing."""
    _check_staff(staff, appeal.supplier_id)
    with transaction.atomic():
        locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if locked.status != Appeal.Status.CLOSED:
            before = locked.status
            locked.status = Appeal.Status.CLOSED
            locked.save(update_fields=["status", "updated_at"])
            record(
                actor=staff,
                action=Action.APPEAL_CLOSED,
                obj=locked,
                supplier_id=locked.supplier_id,
                number=locked.number,
                status={"before": before, "after": locked.status},
            )
    return locked


def assign_request(
    *, staff: User, request: ServiceRequest, assignee: User | None
) -> ServiceRequest:
    """Give the request to a staff member (None takes it off them); the status is unchanged."""
    return _assign(staff, request, assignee, Action.REQUEST_ASSIGNED)


# Forward-only: a request never goes back, and only a customer cancels as the customer.
STAFF_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.IN_PROGRESS, Status.CANCELED_BY_STAFF}),
    Status.IN_PROGRESS: frozenset({Status.DONE, Status.CANCELED_BY_STAFF}),
}


def change_request_status(
    *, staff: User, request: ServiceRequest, status: str, comment: str = ""
) -> ServiceRequest:
    """Move a request forward (NEW → IN_PROGRESS → DONE, or to «Отменена сотрудником» with a
    reason), record the step in its history and tell the customer."""
    _check_staff(staff, request.supplier_id)
    comment = clean_text(comment, field="comment", required=status == Status.CANCELED_BY_STAFF)
    with transaction.atomic():
        locked = (
            ServiceRequest.objects.select_for_update(of=("self",))
            .select_related("user", "supplier")
            .get(pk=request.pk)
        )
        if status not in STAFF_TRANSITIONS.get(locked.status, frozenset()):
            raise SupportError(
                "invalid_transition",
                _("Из статуса «%(current)s» нельзя перевести заявку в «%(new)s».")
                % {
                    "current": locked.get_status_display(),
                    "new": Status(status).label if status in Status.values else status,
                },
                field="status",
            )
        before = locked.status
        locked.status = status
        if status == Status.CANCELED_BY_STAFF:
            locked.cancel_reason = comment
        if locked.assigned_to_id is None and status == Status.IN_PROGRESS:
            locked.assigned_to = staff
        locked.save(update_fields=["status", "cancel_reason", "assigned_to", "updated_at"])
        event = ServiceRequestEvent.objects.create(
            request=locked, status=status, comment=comment, actor=staff, actor_is_staff=True
        )
        customer_event.send(
            sender=ServiceRequest,
            kind="request_status",
            user_id=locked.user_id,
            account_id=locked.account_id,
            key=f"request:{locked.pk}:{event.pk}",
            payload={
                "request_id": locked.pk,
                "number": locked.number,
                "status": status,
                "status_label": str(locked.get_status_display()),
            },
        )
        channel = notify_customer(
            locked.user,
            "support_request_status",
            {
                "number": locked.number,
                "status": locked.get_status_display(),
                "comment": comment,
                "supplier": locked.supplier.short_name,
            },
        )
        record(
            actor=staff,
            action=Action.REQUEST_STATUS_CHANGED,
            obj=locked,
            supplier_id=locked.supplier_id,
            number=locked.number,
            status={"before": before, "after": status},
            comment=comment,
            notice=channel,
        )
    return locked


def review_document(
    *, staff: User, document: SocialNormDocument, accept: bool, reason: str = ""
) -> SocialNormDocument:
    """Accept the documents, or reject them with a reason the customer sees."""
    _check_staff(staff, document.supplier_id)
    reason = clean_text(reason, field="reason", required=not accept)
    with transaction.atomic():
        locked = (
            SocialNormDocument.objects.select_for_update(of=("self",))
            .select_related("user", "supplier")
            .get(pk=document.pk)
        )
        before = locked.status
        locked.status = (
            SocialNormDocument.Status.ACCEPTED if accept else SocialNormDocument.Status.REJECTED
        )
        locked.reject_reason = "" if accept else reason
        locked.reviewed_by = staff
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["status", "reject_reason", "reviewed_by", "reviewed_at"])
        channel = notify_customer(
            locked.user,
            "support_document_reviewed",
            {
                "accepted": accept,
                "reason": locked.reject_reason,
                "kind": locked.get_kind_display(),
                "supplier": locked.supplier.short_name,
            },
        )
        customer_event.send(
            sender=SocialNormDocument,
            kind="document_reviewed",
            user_id=locked.user_id,
            account_id=locked.account_id,
            key=f"document:{locked.pk}:{locked.reviewed_at.isoformat()}",
            payload={"document_id": locked.pk, "accepted": accept, "kind": locked.kind},
        )
        record(
            actor=staff,
            action=Action.DOCUMENT_REVIEWED,
            obj=locked,
            supplier_id=locked.supplier_id,
            status={"before": before, "after": locked.status},
            reason=reason,
            notice=channel,
        )
    return locked
