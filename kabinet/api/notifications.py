"""Customer API for notifications: the list with read state and filters, marking read, and the
e-mail/SMS subscriptions. The same selectors and services as the pages; a notification is
always the user's own, and someone else's id answers 404 like a missing one."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from kabinet.api.auth import request_user
from kabinet.api.schemas import Error
from kabinet.billing.selectors import linked_account
from kabinet.notifications import selectors, services
from kabinet.notifications.models import Notification
from kabinet.notifications.texts import describe

router = Router(tags=["notifications"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="Вид: new_bill, debt, debt_overdue, readings_open, …")
    account_id: int | None
    created_at: dt.datetime
    read: bool
    read_at: dt.datetime | None
    title: str
    text: str
    action_label: str = Field(description="Кнопка действия («Оплатить»); пусто — без действия")
    action_url: str = Field(description="Адрес страницы действия на сайте")


class NotificationFilter(Schema):
    months: Literal[1, 2, 3] = Field(1, description="За 1, 2 или 3 последних месяца")
    account_id: int | None = Field(None, description="Только этого лицевого счёта")
    unread: bool = Field(False, description="Только непрочитанные")


class UnreadOut(Schema):
    total: int
    accounts: dict[int, int] = Field(description="Непрочитанные по лицевым счетам")


class ReadAllIn(Schema):
    account_id: int | None = Field(None, description="Только этого лицевого счёта")


class ChangedOut(Schema):
    changed: int


class SubscriptionOut(Schema):
    kind: str
    label: str
    email: bool
    sms: bool
    sms_available: bool = Field(description="Поставщик отправляет этот вид по SMS")


class SubscriptionIn(Schema):
    kind: str
    email: bool
    sms: bool = False


class SubscriptionsIn(Schema):
    subscriptions: list[SubscriptionIn]


def _out(notification: Notification) -> NotificationOut:
    described = describe(notification)
    return NotificationOut(
        id=notification.pk,
        kind=notification.kind,
        account_id=notification.account_id,
        created_at=notification.created_at,
        read=notification.read_at is not None,
        read_at=notification.read_at,
        title=described.title,
        text=described.text,
        action_label=described.action_label,
        action_url=described.action_url,
    )


@router.get(
    "", response={200: list[NotificationOut], **ERRORS}, summary="Уведомления, новые сначала"
)
def list_notifications(
    request: HttpRequest, filters: Query[NotificationFilter]
) -> list[NotificationOut]:
    user = request_user(request)
    if filters.account_id is not None:
        linked_account(user, filters.account_id)  # 404 for someone else's account
    rows = selectors.notifications_of(
        user, account_id=filters.account_id, months=filters.months, unread_only=filters.unread
    )[:500]
    return [_out(notification) for notification in rows]


@router.get("/unread", response={200: UnreadOut, **ERRORS}, summary="Число непрочитанных")
def unread(request: HttpRequest) -> UnreadOut:
    user = request_user(request)
    return UnreadOut(total=selectors.unread_total(user), accounts=selectors.unread_counts(user))


@router.post(
    "/{notification_id}/read", response={200: NotificationOut, **ERRORS}, summary="Прочитано"
)
def read(request: HttpRequest, notification_id: int) -> NotificationOut:
    user = request_user(request)
    if not Notification.objects.filter(pk=notification_id, user_id=user.pk).exists():
        raise Http404
    services.mark_read(user=user, notification_ids=[notification_id])
    return _out(Notification.objects.get(pk=notification_id))


@router.post("/read-all", response={200: ChangedOut, **ERRORS}, summary="Отметить все прочитанными")
def read_all(request: HttpRequest, payload: ReadAllIn) -> ChangedOut:
    user = request_user(request)
    if payload.account_id is not None:
        linked_account(user, payload.account_id)
    return ChangedOut(changed=services.mark_all_read(user=user, account_id=payload.account_id))


@router.get(
    "/subscriptions",
    response={200: list[SubscriptionOut], **ERRORS},
    summary="Подписки на уведомления по e-mail и SMS",
)
def get_subscriptions(request: HttpRequest) -> list[SubscriptionOut]:
    return [SubscriptionOut(**row) for row in selectors.subscriptions_of(request_user(request))]


@router.put(
    "/subscriptions",
    response={200: list[SubscriptionOut], **ERRORS},
    summary="Изменить подписки (перечисленные виды; остальные без изменений)",
)
def put_subscriptions(request: HttpRequest, payload: SubscriptionsIn) -> list[SubscriptionOut]:
    user = request_user(request)
    choices: dict[tuple[str, str], bool] = {}
    for item in payload.subscriptions:
        choices[(item.kind, "email")] = item.email
        choices[(item.kind, "sms")] = item.sms
    # An unknown kind is a ServiceError("validation_error") the API's handler sends as 422.
    services.update_subscriptions(user=user, choices=choices)
    return [SubscriptionOut(**row) for row in selectors.subscriptions_of(user)]
