from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kabinet.billing import marketing
from kabinet.billing.forms import MarketingForm, PaperlessForm
from kabinet.billing.selectors import linked_account, linked_accounts
from kabinet.billing.services import LinkError, set_paperless
from kabinet.core.forms import perform
from kabinet.core.http import client_ip
from kabinet.identity.models import Consent
from kabinet.identity.services.consents import has_active_consent
from kabinet.metering.summaries import account_summaries
from kabinet.notifications.selectors import unread_counts
from kabinet.portal.middleware import last_account_id


def home(request: HttpRequest) -> HttpResponse:
    """Before login: the way in. After: a card per linked account with what to do next."""
    if not request.user.is_authenticated:
        return render(request, "portal/home.html")
    summaries = account_summaries(linked_accounts(request.user))
    # Unread notifications per account id: the cards show the count beside an account that has
    # any (one cached query, shared with the menu's badge).
    unread_by_account = unread_counts(request.user)
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


@login_required
@require_http_methods(["GET", "POST"])
def profile_settings(request: HttpRequest) -> HttpResponse:
    """«Квитанции и рассылки» of the profile: e-mail or paper bills per account (billing's
    links) and the suppliers' mailings per channel (billing's subscriptions, identity's
    consent). Two forms on one page, each with its own button."""
    user: Any = request.user
    links = linked_accounts(user)
    posted = request.POST.get("form") if request.method == "POST" else None

    def marketing_form(data: Any = None) -> MarketingForm:
        return MarketingForm(
            data,
            suppliers=marketing.marketing_suppliers(user),
            chosen=marketing.subscriptions_of(user),
            consented=has_active_consent(user, Consent.Kind.MARKETING),
        )

    paperless = PaperlessForm(request.POST if posted == "paperless" else None, links=links)
    mailing = marketing_form(request.POST if posted == "marketing" else None)
    if posted == "paperless" and perform(
        paperless, lambda: set_paperless(user=user, choices=paperless.choices()), LinkError
    ):
        messages.success(request, _("Способ получения квитанций сохранён."))
        return redirect("portal:profile_settings")
    if posted == "marketing" and perform(
        mailing,
        lambda: marketing.set_marketing_subscriptions(
            user=user,
            wanted=mailing.wanted(),
            give_consent=bool(mailing.cleaned_data.get("consent")),
            ip_address=client_ip(request),
        ),
        marketing.MarketingError,
    ):
        messages.success(request, _("Настройки рассылок сохранены."))
        return redirect("portal:profile_settings")
    return render(
        request,
        "portal/profile_settings.html",
        {"paperless": paperless, "mailing": mailing, "profile_user": user},
    )


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers: answers without touching the database or a template."""
    return HttpResponse("ok", content_type="text/plain")
