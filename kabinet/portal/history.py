"""«История» (the tab «Все события» and its tabs «Показания», «Оплаты», «Квитанции», with the
period's export) and «Статистика» of an account.

Portal composes them because the timeline takes its events from the apps below it (readings,
bills, payments, requests, appeals, documents); every account id goes through
``link_and_sidebar``, so someone else's account answers 404 like a missing one.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from kabinet.billing.models import AccountLink
from kabinet.billing.selectors import link_and_sidebar
from kabinet.billing.statistics import account_statistics, statistics_years
from kabinet.core import timeline
from kabinet.documents import events as exports
from kabinet.portal.charts import bar_chart
from kabinet.portal.forms import EventsForm, StatisticsForm

# The tabs of «История»: the kinds each shows (None: every source of the timeline).
TABS: dict[str, tuple[str, ...] | None] = {
    "all": None,
    "readings": ("reading",),
    "payments": ("payment",),
    "bills": ("bill",),
}


def _today(link: AccountLink) -> Any:
    """Today in the supplier's zone: the months and the year a customer sees are theirs."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(link.account.supplier.time_zone))


@login_required
@require_GET
def events(request: HttpRequest, account_id: int, tab: str = "all") -> HttpResponse:
    if tab not in TABS:
        raise Http404
    link, links = link_and_sidebar(request.user, account_id)
    form = EventsForm(request.GET or None)
    first, last = form.months(_today(link))
    months = timeline.timeline(link, first, last, TABS[tab])
    extension = request.GET.get("format", "")
    if extension in exports.FORMATS and form.is_valid():
        account = link.account
        heading = exports.Heading(
            account_number=str(account),
            address=account.premises.address if account.premises else "",
            first=first,
            last=last,
        )
        response = HttpResponse(
            exports.export(months, heading, extension), content_type=exports.FORMATS[extension]
        )
        name = exports.filename(heading, extension)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "portal/events.html",
        {
            "link": link,
            "account": link.account,
            "links": links,
            "current_link": link,
            "tab": "history",
            "subtab": tab,
            "form": form,
            "first": first,
            "last": last,
            "months": months,
            "query": query.urlencode(),
            "formats": list(exports.FORMATS),
        },
    )


@login_required
@require_GET
def statistics(request: HttpRequest, account_id: int) -> HttpResponse:
    link, links = link_and_sidebar(request.user, account_id)
    this_year = _today(link).year
    years = statistics_years(link.account_id, this_year)
    form = StatisticsForm(request.GET or None, years=years)
    year = form.chosen(this_year)
    data = account_statistics(link.account_id, year)
    return render(
        request,
        "portal/statistics.html",
        {
            "link": link,
            "account": link.account,
            "links": links,
            "current_link": link,
            "tab": "statistics",
            "form": form,
            "stats": data,
            "year": year,
            "last_year": year - 1,
            "services": [(item, bar_chart(item.total)) for item in data.services],
            "charges_chart": bar_chart(data.charges),
        },
    )
