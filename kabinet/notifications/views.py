"""Notification pages: the global list, an account's «Уведомления», marking read, the
subscriptions in the profile and the one-click unsubscribe of the e-mails.

Opening a notification (its <details>) marks it read: a small static script posts to
``read`` with the CSRF token; without JavaScript the «Прочитано» button in it posts the same form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kabinet.billing.selectors import link_and_sidebar, linked_account, linked_accounts
from kabinet.core import ratelimit
from kabinet.core.errors import ServiceError
from kabinet.core.http import client_ip
from kabinet.notifications import selectors, services
from kabinet.notifications.forms import SubscriptionsForm
from kabinet.notifications.models import Notification
from kabinet.notifications.texts import describe

UNSUBSCRIBE_LIMIT = 30  # per client address and hour: the links are signed, but still a secret


def _rows(notifications: list[Notification]) -> list[tuple[Notification, Any]]:
    return [(notification, describe(notification)) for notification in notifications]


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    months = selectors.months_from(request.GET.get("months"))
    rows = list(selectors.notifications_of(request.user, months=months)[:500])
    return render(
        request,
        "notifications/list.html",
        {
            "rows": _rows(rows),
            "months": months,
            "month_choices": selectors.MONTH_CHOICES,
            "links": linked_accounts(request.user),
        },
    )


@login_required
@require_GET
def account_notifications(request: HttpRequest, account_id: int) -> HttpResponse:
    current, links = link_and_sidebar(request.user, account_id)
    months = selectors.months_from(request.GET.get("months"))
    rows = list(
        selectors.notifications_of(request.user, account_id=account_id, months=months)[:500]
    )
    return render(
        request,
        "notifications/account.html",
        {
            "rows": _rows(rows),
            "months": months,
            "month_choices": selectors.MONTH_CHOICES,
            "account": current.account,
            "current_link": current,
            "links": links,
            "tab": "notifications",
        },
    )


@login_required
@require_POST
def read(request: HttpRequest, notification_id: int) -> HttpResponse:
    services.mark_read(user=request.user, notification_ids=[notification_id])
    if request.headers.get("X-Requested-With") == "fetch":
        return HttpResponse(status=204)
    return _back(request, "notifications:list")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    account_id: int | None = None
    raw = request.POST.get("account", "")
    if raw.isdigit():
        account_id = linked_account(request.user, int(raw)).account_id
    changed = services.mark_all_read(user=request.user, account_id=account_id)
    if changed:
        messages.success(request, _("Все уведомления отмечены прочитанными."))
    return _back(request, "notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def subscriptions(request: HttpRequest) -> HttpResponse:
    rows = selectors.subscriptions_of(request.user)
    form = SubscriptionsForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        changed = services.update_subscriptions(user=request.user, choices=form.choices())
        if changed:
            messages.success(request, _("Настройки уведомлений сохранены."))
        else:
            messages.info(request, _("Изменений нет."))
        return redirect("notifications:subscriptions")
    return render(
        request,
        "notifications/subscriptions.html",
        {"form": form, "rows": form.rows_with_fields()},
    )


# The link in an e-mail: whoever holds it may turn that kind of e-mail off, without a login
# (the signature says whose it is). POST too, for mail clients' one-click unsubscribe (RFC 8058),
# which carries no CSRF token.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        allowed = ratelimit.hit(
            f"notifications:unsubscribe:{client_ip(request)}",
            limit=UNSUBSCRIBE_LIMIT,
            window=3600,
        )
    except ratelimit.LimiterUnavailable:
        allowed = False
    if not allowed:
        return render(
            request,
            "notifications/unsubscribed.html",
            {"error": _("Слишком много запросов. Попробуйте через час.")},
            status=429,
        )
    try:
        _user, kind = services.unsubscribe(token=token)
    except ServiceError as error:
        return render(
            request, "notifications/unsubscribed.html", {"error": error.message}, status=400
        )
    label = dict(services.Kind.choices).get(kind, kind)
    return render(request, "notifications/unsubscribed.html", {"kind_label": label})
