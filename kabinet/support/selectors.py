"""Customer-side reads that pages and the API share.

Every read by id takes the user and answers Http404 for someone else's row exactly as for a
missing one, so ids cannot be probed. Staff-side reads live in kabinet.staff.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.billing.models import AccountLink, Supplier
from kabinet.core import ratelimit
from kabinet.core.money import format_rubles
from kabinet.core.periods import add_months, period_of
from kabinet.core.timeline import Event, Line
from kabinet.support.models import (
    Appeal,
    AppealMessage,
    Attachment,
    CatalogItem,
    FaqCategory,
    FaqQuestion,
    RequestType,
    ServiceRequest,
    ServiceRequestEvent,
    SocialNormDocument,
    SupportContact,
)

# --- periods ---------------------------------------------------------------------------------


def months_back(months: int, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """From the first day `months` months ago (this month counted) to today."""
    today = today or timezone.localdate()
    return add_months(period_of(today), -(months - 1)), today


def _created_between(
    qs: QuerySet[Any], date_from: dt.date | None, date_to: dt.date | None
) -> QuerySet[Any]:
    # Dates are the customer's calendar days in the portal's time zone; created_at is UTC.
    tz = timezone.get_current_timezone()
    if date_from is not None:
        qs = qs.filter(created_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to is not None:
        qs = qs.filter(
            created_at__lt=dt.datetime.combine(
                date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz
            )
        )
    return qs


# --- suppliers the customer deals with -------------------------------------------------------


def customer_suppliers(user: Any) -> list[Supplier]:
    """Suppliers of the user's linked accounts, by name."""
    if not user.is_authenticated:
        return []
    return list(
        Supplier.objects.filter(accounts__links__user=user).distinct().order_by("short_name")
    )


# --- requests --------------------------------------------------------------------------------


def customer_requests(
    user: Any,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    statuses: Iterable[str] = (),
    account_id: int | None = None,
) -> QuerySet[ServiceRequest]:
    """The user's requests across their accounts, newest first, filtered by filing date and
    status."""
    qs = (
        ServiceRequest.objects.filter(user=user)
        .select_related("account", "supplier", "request_type", "catalog_item")
        .order_by("-created_at", "-pk")
    )
    wanted = [s for s in statuses if s]
    if wanted:
        qs = qs.filter(status__in=wanted)
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    return _created_between(qs, date_from, date_to)


def customer_request(user: Any, request_id: int) -> ServiceRequest:
    """One request of the user with its history and attachments, or Http404."""
    if not user.is_authenticated:
        raise Http404
    request = (
        ServiceRequest.objects.filter(pk=request_id, user=user)
        .select_related("account__premises", "supplier", "request_type", "catalog_item")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=ServiceRequestEvent.objects.order_by("at", "pk"),
            ),
            "attachments",
        )
        .first()
    )
    if request is None:
        raise Http404
    return request


def request_types(supplier: Supplier | int) -> list[RequestType]:
    """The active request types a supplier accepts, in its order."""
    supplier_id = supplier if isinstance(supplier, int) else supplier.pk
    return list(
        RequestType.objects.filter(supplier_id=supplier_id, is_active=True).order_by(
            "sort_order", "name"
        )
    )


# --- appeals ---------------------------------------------------------------------------------


def customer_appeals(
    user: Any,
    period: tuple[dt.date | None, dt.date | None] = (None, None),
    *,
    status: str = "",
) -> QuerySet[Appeal]:
    """The user's appeals filed within ``period`` (from, to: calendar days), newest first."""
    qs = (
        Appeal.objects.filter(user=user)
        .select_related("supplier", "account")
        .order_by("-created_at", "-pk")
    )
    if status:
        qs = qs.filter(status=status)
    return _created_between(qs, period[0], period[1])


@dataclass(frozen=True)
class AccountSupport:
    """The «Обращения» tab of an account: the user's appeals and service requests about it."""

    appeals: list[Appeal]
    requests: list[ServiceRequest]


def account_support(
    user: Any, account_id: int, period: tuple[dt.date | None, dt.date | None] = (None, None)
) -> AccountSupport:
    """What the user wrote and ordered about one account (id from ``linked_account``), filed
    within ``period``, newest first. Only the user's own: a co-owner's appeals are theirs."""
    return AccountSupport(
        appeals=list(customer_appeals(user, period).filter(account_id=account_id)),
        requests=list(
            customer_requests(user, date_from=period[0], date_to=period[1], account_id=account_id)
        ),
    )


def customer_appeal(user: Any, appeal_id: int) -> Appeal:
    """One appeal of the user with its thread and attachments, or Http404."""
    if not user.is_authenticated:
        raise Http404
    appeal = (
        Appeal.objects.filter(pk=appeal_id, user=user)
        .select_related("supplier", "account")
        .prefetch_related(
            "attachments",
            Prefetch(
                "messages",
                queryset=AppealMessage.objects.order_by("created_at", "pk").prefetch_related(
                    "attachments"
                ),
            ),
        )
        .first()
    )
    if appeal is None:
        raise Http404
    return appeal


# The badge is on every page; the count is cached per user and forgotten when it changes.
UNREAD_CACHE_SECONDS = 300


def _unread_key(user_id: int) -> str:
    return f"support:unread-appeals:{user_id}"


def unread_appeals_count(user: Any) -> int:
    """Appeals with a staff answer the customer has not opened yet (the nav badge)."""
    if not user.is_authenticated:
        return 0
    key = _unread_key(user.pk)
    try:
        cached = cache.get(key)
    except ratelimit.CACHE_FAILURES:
        cached = None
    if cached is not None:
        return int(cached)
    value = Appeal.objects.filter(user=user, customer_unread=True).count()
    with contextlib.suppress(*ratelimit.CACHE_FAILURES):
        cache.set(key, value, UNREAD_CACHE_SECONDS)
    return value


def forget_unread_count(user_id: int | None) -> None:
    """Call after a commit that changed the user's unread answers."""
    if user_id is None:
        return
    with contextlib.suppress(*ratelimit.CACHE_FAILURES):
        cache.delete(_unread_key(user_id))


# --- documents -------------------------------------------------------------------------------


def account_documents(link: AccountLink) -> list[SocialNormDocument]:
    return list(
        SocialNormDocument.objects.filter(account_id=link.account_id, user_id=link.user_id)
        .prefetch_related("attachments")
        .order_by("-created_at", "-pk")
    )


def customer_documents(user: Any) -> QuerySet[SocialNormDocument]:
    return (
        SocialNormDocument.objects.filter(user=user)
        .select_related("account", "supplier")
        .prefetch_related("attachments")
        .order_by("-created_at", "-pk")
    )


# --- «Все события» (kabinet/core/timeline.py) -----------------------------------------------
# The customer's own requests, appeals and documents of the account, by filing day in the
# portal's zone (the day the lists above filter by).


def _filed_on(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def request_events(link: AccountLink, start: dt.date, end: dt.date) -> list[Event]:
    events = []
    for item in customer_requests(
        link.user, date_from=start, date_to=end, account_id=link.account_id
    ):
        day = _filed_on(item.created_at)
        lines = [Line(str(_("Желаемая дата")), f"{item.desired_date:%d.%m.%Y}")]
        if item.price is not None:
            lines.append(Line(str(_("Стоимость")), format_rubles(item.price)))
        events.append(
            Event(
                kind="request",
                day=day,
                period=period_of(day),
                title=_("Заявка № %(number)s: %(title)s") % {"number": item, "title": item.title},
                ref=item.pk,
                text=str(item.get_status_display()),
                lines=tuple(lines),
            )
        )
    return events


def appeal_events(link: AccountLink, start: dt.date, end: dt.date) -> list[Event]:
    appeals = customer_appeals(link.user, (start, end)).filter(account_id=link.account_id)
    events = []
    for appeal in appeals:
        day = _filed_on(appeal.created_at)
        events.append(
            Event(
                kind="appeal",
                day=day,
                period=period_of(day),
                title=_("Обращение № %(number)s: %(topic)s")
                % {"number": appeal, "topic": appeal.get_topic_display()},
                ref=appeal.pk,
                text=str(appeal.get_status_display()),
                lines=(Line(str(_("Поставщик")), appeal.supplier.short_name),),
            )
        )
    return events


def document_events(link: AccountLink, start: dt.date, end: dt.date) -> list[Event]:
    documents = _created_between(
        SocialNormDocument.objects.filter(user_id=link.user_id, account_id=link.account_id)
        .select_related("supplier")
        .order_by("-created_at", "-pk"),
        start,
        end,
    )
    events = []
    for document in documents:
        day = _filed_on(document.created_at)
        text = str(document.get_status_display())
        if document.reject_reason:
            text = f"{text}: {document.reject_reason}"
        events.append(
            Event(
                kind="document",
                day=day,
                period=period_of(day),
                title=str(document.get_kind_display()),
                ref=document.pk,
                text=text,
                lines=(Line(str(_("Поставщик")), document.supplier.short_name),),
            )
        )
    return events


# --- attachments -----------------------------------------------------------------------------


def customer_attachment(user: Any, attachment_id: int) -> Attachment:
    """An attachment of the user's own request, appeal, appeal thread or document, or Http404.

    Staff answers' files in the customer's appeal count as the customer's: they were sent to them.
    """
    if not user.is_authenticated:
        raise Http404
    owned = (
        Q(service_request__user=user)
        | Q(appeal__user=user)
        | Q(appeal_message__appeal__user=user)
        | Q(document__user=user)
    )
    attachment = Attachment.objects.filter(owned, pk=attachment_id).first()
    if attachment is None:
        raise Http404
    return attachment


# --- catalog ---------------------------------------------------------------------------------


@dataclass
class SupplierCatalog:
    supplier: Supplier
    items: list[CatalogItem] = field(default_factory=list)


def catalog(supplier_id: int | None = None) -> list[SupplierCatalog]:
    """Active catalog items grouped by supplier (one query)."""
    qs = (
        CatalogItem.objects.filter(is_active=True)
        .select_related("supplier", "category")
        .order_by("supplier__short_name", "supplier_id", "sort_order", "name")
    )
    if supplier_id is not None:
        qs = qs.filter(supplier_id=supplier_id)
    groups: dict[int, SupplierCatalog] = {}
    for item in qs:
        group = groups.get(item.supplier_id)
        if group is None:
            group = groups[item.supplier_id] = SupplierCatalog(supplier=item.supplier)
        group.items.append(item)
    return list(groups.values())


def catalog_item(item_id: int) -> CatalogItem:
    item = CatalogItem.objects.filter(pk=item_id, is_active=True).select_related("supplier").first()
    if item is None:
        raise Http404
    return item


def catalog_suppliers() -> list[Supplier]:
    return list(Supplier.objects.filter(catalog__is_active=True).distinct().order_by("short_name"))


# --- FAQ and contacts ------------------------------------------------------------------------


def _fold(text: str) -> str:
    return text.casefold().replace("ё", "е")


@dataclass
class FaqGroup:
    category: FaqCategory
    questions: list[FaqQuestion]


def faq(*, supplier_id: int | None = None, q: str = "") -> list[FaqGroup]:
    """Published questions by category; with ``q``, only those whose question or answer has
    every word of it.

    The search runs in Python: a FAQ is tens of questions, and SQLite's LIKE folds the case of
    Latin letters only, so «Счётчик» would not find «счетчик» there.
    """
    categories = FaqCategory.objects.select_related("supplier").order_by("sort_order", "name", "pk")
    if supplier_id is not None:
        categories = categories.filter(Q(supplier_id=supplier_id) | Q(supplier__isnull=True))
    categories = categories.prefetch_related(
        Prefetch(
            "questions",
            queryset=FaqQuestion.objects.filter(is_published=True).order_by("sort_order", "pk"),
        )
    )
    words = [_fold(w) for w in q.split() if w.strip()]
    groups = []
    for category in categories:
        questions = list(category.questions.all())
        if words:
            questions = [
                question
                for question in questions
                if all(
                    word in _fold(f"{question.question} {question.answer} {category.name}")
                    for word in words
                )
            ]
        if questions:
            groups.append(FaqGroup(category=category, questions=questions))
    return groups


def faq_suppliers() -> list[Supplier]:
    return list(
        Supplier.objects.filter(faq_categories__isnull=False).distinct().order_by("short_name")
    )


def contacts(supplier_ids: Iterable[int] | None = None) -> list[SupportContact]:
    # The contact centre's phone first: the demo and staff order them with sort_order.
    qs = SupportContact.objects.select_related("supplier").order_by(
        "supplier__short_name", "supplier_id", "sort_order", "title"
    )
    if supplier_ids is not None:
        qs = qs.filter(supplier_id__in=list(supplier_ids))
    return list(qs)


def offices(supplier_id: int | None = None) -> list[SupportContact]:
    """The offices where customers are served, with their hours (seed 004, «Офисы на карте»)."""
    qs = SupportContact.objects.filter(kind=SupportContact.Kind.OFFICE).select_related("supplier")
    if supplier_id is not None:
        qs = qs.filter(supplier_id=supplier_id)
    return list(qs.order_by("supplier__short_name", "sort_order", "title"))
