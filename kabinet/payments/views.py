"""Payment pages: pay an account, the return page, history; the sandbox bank; notifications.

Every page that takes an account or payment id checks ownership (someone else's id is a 404).
The return page shows only what our records say: its query string proves nothing.
"""

from __future__ import annotations

import ipaddress
import logging
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kabinet.billing.selectors import linked_account, linked_accounts
from kabinet.core import ratelimit
from kabinet.core.http import client_ip
from kabinet.payments import selectors, services
from kabinet.payments.forms import HistoryFilterForm, PayForm, moments
from kabinet.payments.models import Payment, SandboxPayment
from kabinet.payments.providers import ProviderError
from kabinet.payments.providers import sandbox as sandbox_bank

logger = logging.getLogger(__name__)


def site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _sidebar(request: HttpRequest, current: Any = None) -> dict[str, Any]:
    return {"links": linked_accounts(request.user), "current_link": current}


@login_required
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, account_id: int) -> HttpResponse:
    page = selectors.payment_page(request.user, account_id)
    if request.method == "GET":
        return _pay_page(request, page, PayForm.for_page(page))
    action = request.POST.get("action", "pay")
    if action != "pay":
        return _pay_page(request, page, PayForm.after_line_action(request.POST, action, page.lines))
    form = PayForm(request.POST, lines=page.lines)
    if not form.is_valid():
        return _pay_page(request, page, form, message=_("Проверьте суммы и данные для чека."))
    try:
        payment = services.start_payment(
            user=request.user,
            account_id=account_id,
            data=form.payment_input(),
            site_url=site_url(request),
            client_ip=client_ip(request),
        )
    except services.PaymentError as error:
        form.add_payment_error(error)
        # A bank that timed out is retried with the same key; anything else starts afresh.
        fresh = error.code not in ("invalid", "provider_unavailable")
        return _pay_page(request, page, form, message=error.message, new_key=fresh)
    if payment.status == Payment.Status.PENDING and payment.confirmation_url:
        return redirect(payment.confirmation_url)
    return redirect("payments:return", payment_id=payment.pk)


def _pay_page(
    request: HttpRequest,
    page: selectors.PaymentPage,
    form: PayForm,
    *,
    message: str = "",
    new_key: bool = False,
) -> HttpResponse:
    key = form["idempotency_key"].value() or ""
    return render(
        request,
        "payments/pay.html",
        {
            "account": page.account,
            "tab": "pay",
            "lines": page.lines,
            "form": form,
            "message": message,
            "idempotency_key": str(uuid.uuid4()) if new_key else key,
            **_sidebar(request, page.link),
        },
        # A bank that did not answer is not the customer's mistake.
        status=400 if form.errors else (503 if message else 200),
    )


@login_required
@require_GET
def payment_return(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = selectors.user_payment(request.user, payment_id)
    link = linked_account(request.user, payment.account_id)
    return render(
        request,
        "payments/return.html",
        {
            "payment": payment,
            "account": payment.account,
            "tab": "payments",
            **_sidebar(request, link),
        },
    )


@login_required
@require_POST
def payment_retry(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = selectors.user_payment(request.user, payment_id)
    try:
        payment = services.resume_payment(
            user=request.user, payment_id=payment.pk, site_url=site_url(request)
        )
    except services.PaymentError as error:
        from django.contrib import messages

        messages.error(request, error.message)
        return redirect("payments:return", payment_id=payment.pk)
    if payment.status == Payment.Status.PENDING and payment.confirmation_url:
        return redirect(payment.confirmation_url)
    return redirect("payments:return", payment_id=payment.pk)


def _history_context(request: HttpRequest, account_id: int | None) -> dict[str, Any]:
    form = HistoryFilterForm(request.GET or None)
    start, end = form.date_range(timezone.localdate())
    since, until = moments(start, end)
    payments = selectors.payment_history(
        request.user, account_id=account_id, since=since, until=until
    )
    return {"form": form, "start": start, "end": end, "payments": payments}


@login_required
@require_GET
def account_history(request: HttpRequest, account_id: int) -> HttpResponse:
    link = linked_account(request.user, account_id)
    context = _history_context(request, account_id)
    by_supplier = request.GET.get("group") == "supplier"
    if by_supplier:
        context["supplier_groups"] = selectors.payments_by_supplier(
            context["payments"], str(link.account)
        )
    return render(
        request,
        "payments/history.html",
        {
            **context,
            "by_supplier": by_supplier,
            "account": link.account,
            "tab": "payments",
            **_sidebar(request, link),
        },
    )


@login_required
@require_GET
def all_history(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "payments/history.html",
        {
            **_history_context(request, None),
            "account": None,
            "all_accounts": True,
            **_sidebar(request),
        },
    )


@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    return render(request, "payments/rules.html")


# --- Notifications from acquirers --------------------------------------------------------------

NOTIFY_WINDOW = 60


def _notify_allowed(provider: str, ip: str) -> bool:
    try:
        return ratelimit.hit(
            f"payments:notify:{provider}:{ip}",
            limit=settings.PAYMENT_NOTIFY_LIMIT_PER_MINUTE,
            window=NOTIFY_WINDOW,
        )
    except ratelimit.LimiterUnavailable:
        # Open: a notification is never trusted anyway, and a lost one costs a customer.
        logger.warning("Payment notification let through: the rate limiter is unavailable")
        return True


def _receive(provider: str, body: bytes) -> HttpResponse:
    try:
        outcome = services.receive_notification(provider_name=provider, body=body)
    except ProviderError as exc:
        # The acquirer retries a notification that did not get a 200.
        logger.warning("%s notification not processed: %s", provider, exc)
        return HttpResponse("retry later", status=503, content_type="text/plain")
    if outcome == "ignored":
        return HttpResponseBadRequest("no payment named", content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


def ip_in_networks(ip: str, networks: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for network in networks:
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            logger.error("YOOKASSA_NOTIFY_NETWORKS has a bad entry: %r", network)
    return False


@csrf_exempt
@require_POST
def notify_yookassa(request: HttpRequest) -> HttpResponse:
    ip = client_ip(request)
    if not ip_in_networks(ip, settings.YOOKASSA_NOTIFY_NETWORKS):
        logger.warning("YooKassa notification from %s refused: not a YooKassa address", ip)
        return HttpResponseForbidden("forbidden", content_type="text/plain")
    if not _notify_allowed("yookassa", ip):
        return HttpResponse("too many requests", status=429, content_type="text/plain")
    return _receive("yookassa", request.body)


@csrf_exempt
@require_POST
def notify_sandbox(request: HttpRequest) -> HttpResponse:
    if not settings.PAYMENT_SANDBOX_ENABLED:
        raise Http404
    ip = client_ip(request)
    if not _notify_allowed("sandbox", ip):
        return HttpResponse("too many requests", status=429, content_type="text/plain")
    signature = request.headers.get(sandbox_bank.SIGNATURE_HEADER, "")
    if not sandbox_bank.signature_valid(request.body, signature):
        return HttpResponseForbidden("bad signature", content_type="text/plain")
    return _receive("sandbox", request.body)


# --- The sandbox bank's pages ------------------------------------------------------------------


def _sandbox_record(token: str) -> SandboxPayment:
    if not settings.PAYMENT_SANDBOX_ENABLED:
        raise Http404
    record = SandboxPayment.objects.filter(token=token).first()
    if record is None:
        raise Http404
    return record


@require_http_methods(["GET", "POST"])
def sandbox_pay(request: HttpRequest, token: str) -> HttpResponse:
    record = _sandbox_record(token)
    error = ""
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            sandbox_bank.cancel(token)
            return redirect(record.return_url)
        number = "".join(ch for ch in request.POST.get("card_number", "") if ch.isdigit())
        outcome = sandbox_bank.pay_with_card(token, number)
        if outcome == "3ds":
            return redirect("payments:sandbox_3ds", token=token)
        if outcome == "unknown_card":
            error = _("Неизвестная тестовая карта. Используйте одну из карт ниже.")
        else:
            return redirect(record.return_url)
    elif record.status != SandboxPayment.Status.PENDING:
        return redirect(record.return_url)
    return render(
        request,
        "payments/sandbox_pay.html",
        {"record": record, "error": error, "cards": sandbox_bank.TEST_CARDS},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def sandbox_3ds(request: HttpRequest, token: str) -> HttpResponse:
    record = _sandbox_record(token)
    if not record.awaiting_3ds or record.status != SandboxPayment.Status.PENDING:
        return redirect(record.return_url)
    if request.method == "POST":
        sandbox_bank.confirm_3ds(token, request.POST.get("code", ""))
        return redirect(record.return_url)
    return render(request, "payments/sandbox_3ds.html", {"record": record})


@login_required
@require_GET
def payment_document(request: HttpRequest, payment_id: int) -> HttpResponse:
    """The printable «информационная квитанция» of a payment (seed 000, «История платежей»)."""
    payment = selectors.payment_document(request.user, payment_id)
    return render(request, "payments/document.html", {"payment": payment})
