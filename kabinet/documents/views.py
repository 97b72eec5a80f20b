"""Bill history, bill PDF download and bill by e-mail. Every account id goes through
`linked_account`, so someone else's account or bill is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kabinet.billing import versions
from kabinet.billing.models import Bill
from kabinet.billing.pending import NOTHING, after_pending, newest_bills, pending_for
from kabinet.billing.selectors import link_and_sidebar, linked_account
from kabinet.core import ratelimit
from kabinet.documents.bills import bill_filename, render_bill_pdf
from kabinet.documents.forms import BillPeriodForm
from kabinet.documents.services import email_bill
from kabinet.documents.statements import StatedBills

EMAIL_LIMIT_PER_HOUR = 10


def _bill_of(request: HttpRequest, account_id: int, bill_id: int) -> Bill:
    link = linked_account(request.user, account_id)
    bill = (
        Bill.objects.filter(pk=bill_id, account_id=link.account_id)
        .select_related("account__premises")
        .first()
    )
    if bill is None:
        raise Http404
    return bill


def _newest_bill_pending(account_id: int) -> dict[str, Any]:
    """What the newest bill's card adds: the portal payments not yet in it and what is left of
    the bill after them (the older bills are history)."""
    newest = newest_bills([account_id])
    if not newest:
        return {"bill_id": None, "pending": NOTHING, "remaining": None}
    bill = newest[0]
    pending = pending_for(account_id, bill["cutoff"])
    return {
        "bill_id": bill["bill_id"],
        "pending": pending,
        "remaining": after_pending(bill["total"], pending),
    }


@login_required
@require_GET
@versions.revalidated
def bill_history(request: HttpRequest, account_id: int) -> HttpResponse:
    link, links = link_and_sidebar(request.user, account_id)
    account = link.account
    form = BillPeriodForm(request.GET or None)
    start, end = form.period_range(timezone.localdate())
    # Read only where the template iterates it: not at all when the list's markup is kept.
    bills = StatedBills(
        Bill.objects.filter(account_id=account.pk, period__gte=start, period__lte=end).order_by(
            "-period"
        )
    )
    return render(
        request,
        "documents/bill_history.html",
        {
            "link": link,
            "account": account,
            "tab": "bills",
            "links": links,
            "current_link": link,
            "form": form,
            "start": start,
            "end": end,
            "bills": bills,
            "newest": SimpleLazyObject(lambda: _newest_bill_pending(account.pk)),
            "email_confirmed": request.user.has_confirmed_email,  # type: ignore[union-attr]
        },
    )


@login_required
@require_GET
@versions.revalidated
def bill_pdf(request: HttpRequest, account_id: int, bill_id: int) -> HttpResponse:
    bill = _bill_of(request, account_id, bill_id)
    response = HttpResponse(render_bill_pdf(bill), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{bill_filename(bill)}"'
    return response


@login_required
@require_POST
def bill_email(request: HttpRequest, account_id: int, bill_id: int) -> HttpResponse:
    bill = _bill_of(request, account_id, bill_id)
    back = redirect("documents:bill_history", account_id=account_id)
    user: Any = request.user
    if not user.has_confirmed_email:
        messages.error(
            request,
            _("Укажите и подтвердите e-mail в профиле, чтобы получать квитанции на почту."),
        )
        return back
    try:
        allowed = ratelimit.hit(
            f"documents:bill-email:{user.pk}", limit=EMAIL_LIMIT_PER_HOUR, window=3600
        )
    except ratelimit.LimiterUnavailable:
        allowed = False
    if not allowed:
        messages.error(request, _("Слишком много писем с квитанциями. Попробуйте через час."))
        return back
    email_bill(bill=bill, user=user)
    messages.success(request, _("Квитанция отправлена на %(email)s.") % {"email": user.email})
    return back
