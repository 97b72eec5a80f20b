"""Reads of the staff area. Everything goes through ``scoping``: another supplier's row is 404."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy

from kabinet.billing.models import Account, AccountLink
from kabinet.billing.scoping import assignable_staff as assignable_staff
from kabinet.billing.selectors import latest_bill_totals
from kabinet.core.accounts import normalize_account_number
from kabinet.core.audit import Action
from kabinet.core.models import AuditEntry
from kabinet.identity.backends import normalize_phone
from kabinet.identity.models import User
from kabinet.staff import scoping
from kabinet.staff.models import StaffMember
from kabinet.support.models import (
    Appeal,
    AppealMessage,
    Attachment,
    ServiceRequest,
    ServiceRequestEvent,
    SocialNormDocument,
)


def scoped_or_404(queryset: QuerySet[Any], user: Any, pk: int, field: str = "supplier") -> Any:
    """One row by id through the user's scope: 404 for another supplier's and a missing one."""
    row = scoping.scoped(queryset, user, field).filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


# --- time -------------------------------------------------------------------------------------


def format_age(delta: dt.timedelta) -> str:
    """How long something has waited, in the two largest units: «2 дня, 3 часа», «7 минут»
    («2 days, 3 hours» in English): Django's timesince, translated and declined by number."""
    now = dt.datetime.now(dt.UTC)
    return timesince(now - max(delta, dt.timedelta(0)), now, depth=2)


def supplier_time(value: dt.datetime | None, time_zone: str) -> dt.datetime | None:
    """A stored UTC moment in the supplier's time zone (falls back to the site's)."""
    if value is None:
        return None
    try:
        zone: dt.tzinfo = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_current_timezone()
    return timezone.localtime(value, zone)


# --- queues ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilter:
    status: str = ""  # "" = open ones, "all" = every status, or one status
    supplier_id: int | None = None
    topic: str = ""  # an appeal topic, or a request type id as text
    assigned: str = ""  # "", "me", "none"
    created_from: dt.date | None = None
    created_to: dt.date | None = None


APPEAL_OPEN = (Appeal.Status.NEW, Appeal.Status.IN_PROGRESS)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _apply_common(
    rows: QuerySet[Any], user: Any, filters: QueueFilter, open_statuses: tuple[str, ...]
) -> QuerySet[Any]:
    rows = scoping.scoped(rows, user)
    if filters.status == "all":
        pass
    elif filters.status:
        rows = rows.filter(status=filters.status)
    else:
        rows = rows.filter(status__in=open_statuses)
    if filters.supplier_id is not None:
        rows = rows.filter(supplier_id=filters.supplier_id)
    if filters.assigned == "me":
        rows = rows.filter(assigned_to=user)
    elif filters.assigned == "none":
        rows = rows.filter(assigned_to__isnull=True)
    if filters.created_from is not None:
        rows = rows.filter(created_at__gte=_day_start(filters.created_from))
    if filters.created_to is not None:
        rows = rows.filter(created_at__lt=_day_start(filters.created_to + dt.timedelta(days=1)))
    # The oldest first: what has waited longest is answered first.
    return rows.order_by("created_at", "pk")


def appeal_queue(user: Any, filters: QueueFilter) -> QuerySet[Appeal]:
    rows = Appeal.objects.select_related("supplier", "account", "user", "assigned_to")
    rows = _apply_common(rows, user, filters, APPEAL_OPEN)
    if filters.topic:
        rows = rows.filter(topic=filters.topic)
    return rows


def request_queue(user: Any, filters: QueueFilter) -> QuerySet[ServiceRequest]:
    rows = ServiceRequest.objects.select_related(
        "supplier", "account", "user", "assigned_to", "request_type", "catalog_item"
    )
    rows = _apply_common(rows, user, filters, tuple(ServiceRequest.OPEN_STATUSES))
    if filters.topic:
        if filters.topic.isdigit():
            rows = rows.filter(request_type_id=int(filters.topic))
        elif filters.topic == "catalog":
            rows = rows.filter(catalog_item__isnull=False)
    return rows


def document_queue(user: Any, status: str = "") -> QuerySet[SocialNormDocument]:
    rows = scoping.scoped(
        SocialNormDocument.objects.select_related("supplier", "account", "user", "reviewed_by"),
        user,
    )
    if status == "all":
        pass
    elif status:
        rows = rows.filter(status=status)
    else:
        rows = rows.filter(status=SocialNormDocument.Status.RECEIVED)
    return rows.order_by("created_at", "pk")


# --- one appeal, request, document ------------------------------------------------------------


def staff_appeal(user: Any, appeal_id: int) -> Appeal:
    return scoped_or_404(
        Appeal.objects.select_related("supplier", "account__premises", "user", "assigned_to"),
        user,
        appeal_id,
    )


def appeal_thread(appeal: Appeal) -> list[AppealMessage]:
    return list(
        AppealMessage.objects.filter(appeal=appeal)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )


def staff_request(user: Any, request_id: int) -> ServiceRequest:
    return scoped_or_404(
        ServiceRequest.objects.select_related(
            "supplier", "account__premises", "user", "assigned_to", "request_type", "catalog_item"
        ),
        user,
        request_id,
    )


def request_history(request: ServiceRequest) -> list[ServiceRequestEvent]:
    return list(
        ServiceRequestEvent.objects.filter(request=request)
        .select_related("actor")
        .order_by("at", "pk")
    )


def staff_document(user: Any, document_id: int) -> SocialNormDocument:
    return scoped_or_404(
        SocialNormDocument.objects.select_related("supplier", "account__premises", "user"),
        user,
        document_id,
    )


def staff_attachment(user: Any, attachment_id: int) -> Attachment:
    """An attachment whose owner (request, appeal, message or document) is in the scope."""
    ids = scoping.supplier_ids(user)
    rows = Attachment.objects.all()
    if ids is not None:
        rows = rows.filter(
            Q(service_request__supplier_id__in=ids)
            | Q(appeal__supplier_id__in=ids)
            | Q(appeal_message__appeal__supplier_id__in=ids)
            | Q(document__supplier_id__in=ids)
        )
    attachment = rows.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    return attachment


# --- customers ---------------------------------------------------------------------------------


def _visible_customers(user: Any) -> QuerySet[User]:
    """Customers with a link, an appeal, a request or a document at the user's suppliers."""
    ids = scoping.supplier_ids(user)
    customers = User.objects.filter(is_staff=False)
    if ids is None:
        return customers
    return customers.filter(
        Exists(AccountLink.objects.filter(user=OuterRef("pk"), account__supplier_id__in=ids))
        | Exists(Appeal.objects.filter(user=OuterRef("pk"), supplier_id__in=ids))
        | Exists(ServiceRequest.objects.filter(user=OuterRef("pk"), supplier_id__in=ids))
        | Exists(SocialNormDocument.objects.filter(user=OuterRef("pk"), supplier_id__in=ids))
    )


SEARCH_LIMIT = 50


def search_customers(user: Any, kind: str, query: str) -> list[User]:
    """Customers found by phone, e-mail, account number or address, within the user's scope.

    Phone and account number are normalised the way customers and imports type them; e-mail is
    matched whole (case-insensitive); address by a fragment of the premises' address.
    """
    query = query.strip()
    ids = scoping.supplier_ids(user)
    customers = _visible_customers(user)
    if kind == "phone":
        phone = normalize_phone(query)
        if phone is None:
            return []
        customers = customers.filter(phone=phone)
    elif kind == "email":
        customers = customers.filter(email=query.lower())
    elif kind in ("account", "address"):
        if kind == "account":
            number = normalize_account_number(query)
            if not number:
                return []
            accounts = Account.objects.filter(number=number)
        else:
            # SQLite folds the case of Latin letters only; on PostgreSQL icontains alone would
            # do. Staff type a street in lower case or as written, so both spellings are tried.
            variants = {query, query.lower(), query[:1].upper() + query[1:]}
            matches = Q()
            for variant in variants:
                matches |= Q(premises__address__icontains=variant)
            accounts = Account.objects.filter(matches)
        if ids is not None:
            accounts = accounts.filter(supplier_id__in=ids)
        customers = customers.filter(
            Exists(AccountLink.objects.filter(user=OuterRef("pk"), account__in=accounts))
        )
    else:
        return []
    return list(customers.order_by("last_name", "first_name", "pk")[:SEARCH_LIMIT])


@dataclass
class AccountRow:
    link: AccountLink
    balance: Decimal | None


@dataclass
class CustomerCard:
    customer: User
    accounts: list[AccountRow]
    requests: list[ServiceRequest]
    appeals: list[Appeal]
    documents: list[SocialNormDocument]


def customer_card(user: Any, customer_id: int) -> CustomerCard:
    customer = _visible_customers(user).filter(pk=customer_id).first()
    if customer is None:
        raise Http404
    links = list(
        scoping.scoped(
            AccountLink.objects.filter(user=customer).select_related(
                "account__supplier", "account__premises", "account__branch"
            ),
            user,
            "account__supplier",
        ).order_by("account__supplier__short_name", "account__number")
    )
    balances = latest_bill_totals([link.account_id for link in links])
    requests = list(
        scoping.scoped(
            ServiceRequest.objects.filter(user=customer).select_related(
                "supplier", "account", "request_type", "catalog_item"
            ),
            user,
        ).order_by("-created_at")
    )
    appeals = list(
        scoping.scoped(
            Appeal.objects.filter(user=customer).select_related("supplier", "account"), user
        ).order_by("-created_at")
    )
    documents = list(
        scoping.scoped(
            SocialNormDocument.objects.filter(user=customer).select_related("supplier", "account"),
            user,
        ).order_by("-created_at")
    )
    return CustomerCard(
        customer=customer,
        accounts=[AccountRow(link, balances.get(link.account_id)) for link in links],
        requests=requests,
        appeals=appeals,
        documents=documents,
    )


# --- audit log -----------------------------------------------------------------------------


# The acts of staff the journal shows, with their names there.
JOURNAL_ACTIONS: dict[Action, Promise] = {
    Action.STAFF_LOGGED_IN: gettext_lazy("Вход в бэк-офис"),
    Action.STAFF_LOGGED_OUT: gettext_lazy("Выход из бэк-офиса"),
    Action.STAFF_LOGIN_FAILED: gettext_lazy("Неудачный вход в бэк-офис"),
    Action.APPEAL_ANSWERED: gettext_lazy("Ответ на обращение"),
    Action.APPEAL_ASSIGNED: gettext_lazy("Назначение обращения"),
    Action.APPEAL_CLOSED: gettext_lazy("Закрытие обращения"),
    Action.REQUEST_ASSIGNED: gettext_lazy("Назначение заявки"),
    Action.REQUEST_STATUS_CHANGED: gettext_lazy("Смена статуса заявки"),
    Action.DOCUMENT_REVIEWED: gettext_lazy("Проверка документов"),
    Action.SUPPLIER_SETTINGS_UPDATED: gettext_lazy("Настройки поставщика"),
    Action.FAQ_SAVED: gettext_lazy("Вопрос FAQ сохранён"),
    Action.FAQ_ACTIVATED: gettext_lazy("Вопрос FAQ опубликован"),
    Action.FAQ_DEACTIVATED: gettext_lazy("Вопрос FAQ скрыт"),
    Action.FAQ_CATEGORY_SAVED: gettext_lazy("Раздел FAQ сохранён"),
    Action.CATALOG_ITEM_SAVED: gettext_lazy("Услуга каталога сохранена"),
    Action.CATALOG_ITEM_ACTIVATED: gettext_lazy("Услуга каталога включена"),
    Action.CATALOG_ITEM_DEACTIVATED: gettext_lazy("Услуга каталога выключена"),
}


def audit_entries(
    user: Any,
    *,
    actor_id: int | None = None,
    action: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """Staff acts: all for all-supplier staff; for a supplier's staff, the acts on that supplier
    and the acts of that supplier's staff."""
    rows = AuditEntry.objects.filter(action__in=JOURNAL_ACTIONS).select_related("actor")
    ids = scoping.supplier_ids(user)
    if ids is not None:
        rows = rows.filter(Q(supplier_id__in=ids) | Q(actor__staff_member__supplier_id__in=ids))
    if actor_id is not None:
        rows = rows.filter(actor_id=actor_id)
    if action:
        rows = rows.filter(action=action)
    if date_from is not None:
        rows = rows.filter(at__gte=_day_start(date_from))
    if date_to is not None:
        rows = rows.filter(at__lt=_day_start(date_to + dt.timedelta(days=1)))
    return rows.order_by("-at", "-pk")


def staff_users(user: Any) -> QuerySet[User]:
    """The staff members the user may pick in the audit filter."""
    ids = scoping.supplier_ids(user)
    members = StaffMember.objects.all()
    if ids is not None:
        members = members.filter(supplier_id__in=ids)
    return User.objects.filter(pk__in=members.values("user_id")).order_by(
        "last_name", "first_name", "username"
    )
