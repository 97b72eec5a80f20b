"""Account pages: «Ваши счета», linking, overview, charges, details. Thin over services/selectors.

Every page that takes an account id goes through ``selectors.linked_account``: someone else's
account and a missing one both answer 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kabinet.billing import selectors, services, versions
from kabinet.billing.forms import LinkEditForm, LinkForm, SupplierForm
from kabinet.billing.models import AccountLink, Supplier
from kabinet.core.forms import add_service_error
from kabinet.core.periods import format_period, parse_period
from kabinet.identity.forms import ask_for_hard_captcha, solved_hard_captcha


def _sidebar(request: HttpRequest, current: AccountLink | None = None) -> dict[str, object]:
    return {"links": selectors.linked_accounts(request.user), "current_link": current}


def _shell(request: HttpRequest, account_id: int) -> tuple[AccountLink, dict[str, object]]:
    """The link an account page shows, and the sidebar's context, from one query."""
    current, links = selectors.link_and_sidebar(request.user, account_id)
    return current, {"links": links, "current_link": current}


@login_required
@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    links = selectors.linked_accounts(request.user)
    balances = selectors.balances([link.account_id for link in links])
    rows = [(link, balances[link.account_id]) for link in links]
    return render(request, "billing/list.html", {"rows": rows, "links": links})


@login_required
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest) -> HttpResponse:
    supplier_form = SupplierForm(request.GET or None)
    supplier: Supplier | None = None
    if supplier_form.is_bound and supplier_form.is_valid():
        supplier = supplier_form.cleaned_data["supplier"]
    elif not supplier_form.is_bound:
        only = list(Supplier.objects.all()[:2])
        if len(only) == 1:
            supplier = only[0]
            supplier_form = SupplierForm(initial={"supplier": supplier.pk})
    form = None
    if supplier is not None:
        form = LinkForm(request.POST or None, supplier=supplier)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            question = data["question"]
            user: Any = request.user  # a User: the view is login_required
            try:
                new_link = services.link_account(
                    user=user,
                    supplier=supplier,
                    branch=data.get("branch"),
                    number=data["number"],
                    relation=data["relation"],
                    answer=services.Answer(
                        question=question,
                        code=data.get("code") or "",
                        bill_total=data.get("bill_total") or "",
                        surname=data.get("surname") or "",
                        flat=data.get("flat") or "",
                    ),
                    alias=data["alias"],
                    group=data["group"],
                    paperless=data["paperless"],
                    hard_captcha=solved_hard_captcha(form),
                )
            except services.LinkError as error:
                if error.code == "captcha_required":
                    ask_for_hard_captcha(form, error.message)
                else:
                    add_service_error(form, error)
            else:
                messages.success(request, _("Лицевой счёт успешно подключён."))
                return redirect("accounts:overview", account_id=new_link.account_id)
    return render(
        request,
        "billing/link.html",
        {"supplier_form": supplier_form, "supplier": supplier, "form": form, **_sidebar(request)},
    )


@login_required
@require_GET
@versions.revalidated
def overview(request: HttpRequest, account_id: int) -> HttpResponse:
    current, shell = _shell(request, account_id)
    data = selectors.account_overview(current)
    return render(
        request,
        "billing/overview.html",
        {
            "overview": data,
            "account": current.account,
            "tab": "overview",
            **shell,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, account_id: int) -> HttpResponse:
    current = selectors.linked_account(request.user, account_id)
    form = LinkEditForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        # The ModelForm has already set the values on the instance; the service compares them
        # with a fresh copy, then saves and audits.
        fresh = selectors.linked_account(request.user, account_id)
        services.update_link(link=fresh, **form.cleaned_data)
        messages.success(request, _("Изменения сохранены."))
        return redirect("accounts:overview", account_id=account_id)
    return render(
        request,
        "billing/edit.html",
        {"form": form, "account": current.account, **_sidebar(request, current)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def unlink(request: HttpRequest, account_id: int) -> HttpResponse:
    current = selectors.linked_account(request.user, account_id)
    if request.method == "POST":
        services.unlink_account(link=current)
        messages.success(request, _("Лицевой счёт удалён из вашего кабинета."))
        return redirect("accounts:list")
    return render(
        request,
        "billing/unlink.html",
        {"account": current.account, **_sidebar(request, current)},
    )


@login_required
@require_GET
@versions.revalidated
def charges(request: HttpRequest, account_id: int) -> HttpResponse:
    current, shell = _shell(request, account_id)
    period = None
    raw = request.GET.get("period", "").strip()
    bad_period = False
    if raw:
        try:
            period = parse_period(raw)
        except ValueError:
            bad_period = True
    page = selectors.account_charges(current, None if bad_period else period)
    return render(
        request,
        "billing/charges.html",
        {
            "page": page,
            "bad_period": bad_period,
            "account": current.account,
            "tab": "charges",
            **shell,
        },
    )


@login_required
@require_GET
def charge_detail(request: HttpRequest, account_id: int, charge_id: int) -> HttpResponse:
    current = selectors.linked_account(request.user, account_id)
    charge = selectors.account_charge(current, charge_id)
    return render(
        request,
        "billing/charge_detail.html",
        {
            "charge": charge,
            "tariff": selectors.charge_tariff(charge),
            "period_value": format_period(charge.period),
            "account": current.account,
            "tab": "charges",
            **_sidebar(request, current),
        },
    )


@login_required
@require_GET
def details(request: HttpRequest, account_id: int) -> HttpResponse:
    current = selectors.linked_account(request.user, account_id)
    data = selectors.account_details(current)
    return render(
        request,
        "billing/details.html",
        {
            "details": data,
            "account": current.account,
            "tab": "details",
            **_sidebar(request, current),
        },
    )
