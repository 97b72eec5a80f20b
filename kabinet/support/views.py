"""Customer pages: service catalog and price list, FAQ and contacts, appeals, service requests,
documents for the social norm, attachments. Thin over services and selectors.

Every id goes through a selector that filters by the user (or ``linked_account``), so someone
else's request, appeal, document, attachment or account answers 404 like a missing one.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kabinet.billing.selectors import linked_account, linked_accounts
from kabinet.core.forms import perform, perform_for
from kabinet.core.money import plain_rubles
from kabinet.support import maps, selectors, services
from kabinet.support.forms import (
    AppealFilterForm,
    AppealForm,
    CancelForm,
    CatalogOrderForm,
    DateRangeForm,
    DocumentForm,
    ReplyForm,
    RequestFilterForm,
    RequestForm,
)
from kabinet.support.models import Appeal, ServiceRequest


def _int_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "").strip()
    return int(raw) if raw.isdigit() else None


def _files(request: HttpRequest) -> Any:
    return request.FILES if request.method == "POST" else None


# --- catalog ---------------------------------------------------------------------------------


@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    supplier_id = _int_param(request, "supplier")
    return render(
        request,
        "support/catalog.html",
        {
            "groups": selectors.catalog(supplier_id),
            "suppliers": selectors.catalog_suppliers(),
            "supplier_id": supplier_id,
        },
    )


@require_GET
def price_list(request: HttpRequest) -> HttpResponse:
    """The price list as CSV (UTF-8 with BOM and «;», as Russian Excel opens it)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="price-list.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_("Поставщик"), _("Раздел"), _("Код"), _("Услуга"), _("Цена, ₽"), _("За")])
    for group in selectors.catalog(_int_param(request, "supplier")):
        for item in group.items:
            writer.writerow(
                [
                    group.supplier.short_name,
                    item.category.name if item.category else "",
                    item.code,
                    item.name,
                    # Unformatted, so that a spreadsheet reads it as a number.
                    plain_rubles(item.price, decimal_separator=",")
                    if item.price is not None
                    else _("по договорённости"),
                    item.unit,
                ]
            )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def catalog_order(request: HttpRequest, item_id: int) -> HttpResponse:
    item = selectors.catalog_item(item_id)
    user: Any = request.user
    links = [link for link in linked_accounts(user) if link.account.supplier_id == item.supplier_id]
    form = None
    if links:
        form = CatalogOrderForm(
            request.POST or None,
            _files(request),
            links=links,
            supplier=item.supplier,
            initial={"account": links[0].account_id, "contact_phone": user.phone or ""},
        )
        bound = form

        def order_item() -> ServiceRequest:
            data = bound.cleaned_data
            return services.order_catalog_item(
                link=data["account"],
                item=item,
                contact_phone=data["contact_phone"],
                desired_date=data["desired_date"],
                desired_slot=data["desired_slot"],
                comment=data["comment"],
                files=data["attachments"],
            )

        order = (
            perform_for(bound, order_item, services.SupportError)
            if request.method == "POST"
            else None
        )
        if order:
            messages.success(request, _("Заказ услуги успешно осуществлен."))
            return redirect("support:request", request_id=order.pk)
    return render(request, "support/catalog_order.html", {"item": item, "form": form})


# --- FAQ -------------------------------------------------------------------------------------


@require_GET
def faq(request: HttpRequest) -> HttpResponse:
    supplier_id = _int_param(request, "supplier")
    q = request.GET.get("q", "").strip()[:200]
    groups = selectors.faq(supplier_id=supplier_id, q=q)
    return render(
        request,
        "support/faq.html",
        {
            "groups": groups,
            "q": q,
            "supplier_id": supplier_id,
            "suppliers": selectors.faq_suppliers(),
            "contacts": selectors.contacts([supplier_id] if supplier_id else None),
        },
    )


@require_GET
def offices(request: HttpRequest) -> HttpResponse:
    """«Офисы на карте»: every office with its address and hours, and where it is."""
    supplier_id = _int_param(request, "supplier")
    found = selectors.offices(supplier_id)
    return render(
        request,
        "support/offices.html",
        {
            "offices": found,
            "map": maps.office_map(found),
            "supplier_id": supplier_id,
            "suppliers": selectors.faq_suppliers(),
        },
    )


# --- appeals ---------------------------------------------------------------------------------


@login_required
@require_GET
def appeal_list(request: HttpRequest) -> HttpResponse:
    form = AppealFilterForm(request.GET or None)
    period = form.period(timezone.localdate())
    status = form.cleaned_data.get("status", "") if form.is_valid() else ""
    appeals = list(selectors.customer_appeals(request.user, period, status=status))
    return render(
        request,
        "support/appeal_list.html",
        {"form": form, "appeals": appeals, "period": period},
    )


@login_required
@require_http_methods(["GET", "POST"])
def appeal_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    links = linked_accounts(user)
    initial: dict[str, Any] = {}
    wanted_supplier = _int_param(request, "supplier")
    if len(links) == 1:
        initial = {"account": links[0].account_id, "supplier": links[0].account.supplier_id}
    if wanted_supplier:
        initial["supplier"] = wanted_supplier
    form = AppealForm(request.POST or None, _files(request), links=links, initial=initial)

    def create() -> Appeal:
        data = form.cleaned_data
        link = data.get("account")
        return services.create_appeal(
            user=user,
            supplier=data["supplier"],
            account=link.account if link else None,
            topic=data["topic"],
            text=data["text"],
            files=data["attachments"],
        )

    appeal = perform_for(form, create, services.SupportError) if request.method == "POST" else None
    if appeal:
        messages.success(
            request,
            _("Ваше обращение зарегистрировано. Номер обращения: %(number)s.")
            % {"number": appeal.number},
        )
        return redirect("support:appeal", appeal_id=appeal.pk)
    return render(request, "support/appeal_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def appeal_detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = selectors.customer_appeal(request.user, appeal_id)
    form = ReplyForm(request.POST or None, _files(request))
    replied = request.method == "POST" and perform(
        form,
        lambda: services.reply_to_appeal(
            appeal=appeal,
            user=request.user,  # type: ignore[arg-type]
            text=form.cleaned_data["text"],
            files=form.cleaned_data["attachments"],
        ),
        services.SupportError,
    )
    if replied:
        messages.success(request, _("Ответ отправлен."))
        return redirect("support:appeal", appeal_id=appeal.pk)
    # Shown as unread in the list and the badge until this page is opened.
    was_unread = appeal.customer_unread
    services.mark_appeal_read(appeal=appeal, user=request.user)  # type: ignore[arg-type]
    return render(
        request,
        "support/appeal_detail.html",
        {"appeal": appeal, "form": form, "was_unread": was_unread},
    )


# --- requests --------------------------------------------------------------------------------


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    form = RequestFilterForm(request.GET or None)
    date_from, date_to = form.period(timezone.localdate())
    statuses = form.cleaned_data.get("status", []) if form.is_valid() else []
    requests = list(
        selectors.customer_requests(
            request.user, date_from=date_from, date_to=date_to, statuses=statuses
        )
    )
    return render(
        request,
        "support/request_list.html",
        {
            "form": form,
            "requests": requests,
            "links": linked_accounts(request.user),
            "period": (date_from, date_to),
        },
    )


def _account_tab(
    request: HttpRequest, template: str, link: Any, context: dict[str, Any], tab: str = "requests"
) -> HttpResponse:
    """A page of one of an account's tabs («Заявки», «Обращения»), with the account switcher."""
    return render(
        request,
        template,
        {
            **context,
            "account": link.account,
            "tab": tab,
            "links": linked_accounts(request.user),
            "current_link": link,
        },
    )


@login_required
@require_GET
def account_appeals(request: HttpRequest, account_id: int) -> HttpResponse:
    """The «Обращения» tab of an account (seed 004 §4.4.4.5): the user's appeals and service
    requests about it, the last 3 months unless another period is chosen."""
    link = linked_account(request.user, account_id)
    form = DateRangeForm(request.GET or None)
    period = form.period(timezone.localdate())
    found = selectors.account_support(request.user, link.account_id, period)
    return _account_tab(
        request,
        "support/account_appeals.html",
        link,
        {"form": form, "appeals": found.appeals, "requests": found.requests},
        tab="appeals",
    )


@login_required
@require_GET
def account_requests(request: HttpRequest, account_id: int) -> HttpResponse:
    """The «Заявки» tab of an account: its requests, a new one, documents for the social norm."""
    link = linked_account(request.user, account_id)
    form = RequestFilterForm(request.GET or None)
    date_from, date_to = form.period(timezone.localdate())
    statuses = form.cleaned_data.get("status", []) if form.is_valid() else []
    requests = list(
        selectors.customer_requests(
            request.user,
            date_from=date_from,
            date_to=date_to,
            statuses=statuses,
            account_id=link.account_id,
        )
    )
    return _account_tab(
        request, "support/account_requests.html", link, {"form": form, "requests": requests}
    )


@login_required
@require_GET
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    service_request = selectors.customer_request(request.user, request_id)
    return render(
        request,
        "support/request_detail.html",
        {"req": service_request, "cancel_form": CancelForm()},
    )


@login_required
@require_POST
def request_cancel(request: HttpRequest, request_id: int) -> HttpResponse:
    service_request = selectors.customer_request(request.user, request_id)
    form = CancelForm(request.POST)
    back = redirect("support:request", request_id=service_request.pk)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return back
    try:
        services.cancel_request(
            request=service_request,
            user=request.user,  # type: ignore[arg-type]
            reason=form.cleaned_data["reason"],
        )
    except services.SupportError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Заявка %(number)s отменена.") % {"number": service_request})
    return back


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest, account_id: int) -> HttpResponse:
    link = linked_account(request.user, account_id)
    user: Any = request.user
    form = RequestForm(
        request.POST or None,
        _files(request),
        link=link,
        initial={"contact_phone": user.phone or ""},
    )

    def create() -> ServiceRequest:
        data = form.cleaned_data
        return services.create_request(
            link=link,
            request_type=data["request_type"],
            reason=data["reason"],
            contact_phone=data["contact_phone"],
            desired_date=data["desired_date"],
            desired_slot=data["desired_slot"],
            files=data["attachments"],
        )

    created = perform_for(form, create, services.SupportError) if request.method == "POST" else None
    if created:
        messages.success(
            request,
            _("Заявка %(number)s принята в систему.") % {"number": created.number},
        )
        return redirect("support:request", request_id=created.pk)
    return _account_tab(
        request,
        "support/request_new.html",
        link,
        {
            "form": form,
            "has_types": form.fields["request_type"].queryset.exists(),  # type: ignore[attr-defined]
        },
    )


# --- documents for the social norm -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def documents(request: HttpRequest, account_id: int) -> HttpResponse:
    link = linked_account(request.user, account_id)
    form = DocumentForm(request.POST or None, _files(request))
    uploaded = request.method == "POST" and perform(
        form,
        lambda: services.upload_social_document(
            link=link,
            kind=form.cleaned_data["kind"],
            comment=form.cleaned_data["comment"],
            files=form.cleaned_data["attachments"],
        ),
        services.SupportError,
    )
    if uploaded:
        messages.success(request, _("Документы получены. Мы сообщим о результате проверки."))
        return redirect("support:documents", account_id=account_id)
    return _account_tab(
        request,
        "support/documents.html",
        link,
        {"form": form, "documents": selectors.account_documents(link)},
    )


# --- attachments -----------------------------------------------------------------------------


@login_required
@require_GET
def attachment(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    item = selectors.customer_attachment(request.user, attachment_id)
    return item.file_response(inline=request.GET.get("download") != "1")
