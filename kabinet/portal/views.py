from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from kabinet.billing.selectors import linked_account, linked_accounts
from kabinet.metering.summaries import account_summaries
from kabinet.portal.middleware import last_account_id


def home(request: HttpRequest) -> HttpResponse:
    """Before login: the way in. After: a card per linked account with what to do next."""
    if not request.user.is_authenticated:
        return render(request, "portal/home.html")
    summaries = account_summaries(linked_accounts(request.user))
    # Unread notifications per account id, filled in by the notifications app: the cards show
    # the count beside an account that has any.
    unread_by_account: dict[int, int] = {}
    last = last_account_id(request)
    # The account opened last comes first: the customer most likely goes on with it.
    summaries.sort(key=lambda summary: summary.link.account_id != last)
    cards = [(s, unread_by_account.get(s.link.account_id, 0)) for s in summaries]
    return render(
        request,
        "portal/home.html",
        {"cards": cards, "last_account_id": last, "unread_by_account": unread_by_account},
    )


@login_required
@require_GET
def last_account(request: HttpRequest) -> HttpResponse:
    """The accounts menu: opens on the account opened last, if it is still linked; otherwise
    the first linked one; without any, the list with «Добавить лицевой счёт»."""
    remembered = last_account_id(request)
    if remembered is not None:
        try:
            link = linked_account(request.user, remembered)
            return redirect("accounts:overview", account_id=link.account_id)
        except Http404:
            pass
    links = linked_accounts(request.user)
    if links:
        return redirect("accounts:overview", account_id=links[0].account_id)
    return redirect("accounts:list")


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers: answers without touching the database or a template."""
    return HttpResponse("ok", content_type="text/plain")
