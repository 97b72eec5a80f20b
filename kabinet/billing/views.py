"""Account pages: «Ваши счета», linking, overview, charges, details. Thin over services/selectors.

Every page that takes an account id goes through ``selectors.linked_account``: someone else's
account and a missing one both answer 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kabinet.billing import selectors, services, versions
from kabinet.billing.forms import (
    AcceptInvitationForm,
    GroupForm,
    InviteForm,
    LinkEditForm,
    LinkForm,
    SupplierForm,
)
from kabinet.billing.models import AccountLink, Supplier
from kabinet.core.errors import ServiceError
from kabinet.core.forms import add_service_error
from kabinet.core.http import client_ip
from kabinet.core.periods import add_months, format_period, parse_period
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
    groups = [
        (group.title, [(link, balances[link.account_id]) for link in group.links])
        for group in selectors.grouped_links(links)
    ]
    return render(request, "billing/list.html", {"rows": rows, "groups": groups, "links": links})


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
                # Seed 004: right after linking, the customer is offered a group for it,
                # unless the form's optional group was filled in already.
                if new_link.group:
                    return redirect("accounts:overview", account_id=new_link.account_id)
                return redirect("accounts:group", account_id=new_link.account_id)
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
def choose_group(request: HttpRequest, account_id: int) -> HttpResponse:
    """«Выберите группу для ЛС»: offered after linking, the address preselected."""
    current = selectors.linked_account(request.user, account_id)
    form = GroupForm(request.POST or None, initial={"group": current.group_title})
    if request.method == "POST" and form.is_valid():
        group = form.cleaned_data["group"]
        # The address is the default the list falls back to anyway: keep the field empty so a
        # move of the premises' address in billing moves the group with it.
        address = current.account.premises.address if current.account.premises else ""
        services.update_link(link=current, group="" if group == address else group)
        messages.success(request, _("Лицевой счёт сохранён."))
        return redirect("accounts:overview", account_id=account_id)
    groups = sorted({link.group_title for link in selectors.linked_accounts(request.user)} - {""})
    return render(
        request,
        "billing/group.html",
        {"form": form, "groups": groups, "account": current.account, **_sidebar(request, current)},
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
        {
            "account": current.account,
            "members": current.granted_links.count(),
            **_sidebar(request, current),
        },
    )


# Seed 000: «История начислений (за последние 6 месяцев)».
CHARGE_HISTORY_MONTHS = (
    ("", _lazy("Только выбранный месяц")),
    ("3", _lazy("3 месяца")),
    ("6", _lazy("6 месяцев")),
    ("12", _lazy("12 месяцев")),
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
    months = request.GET.get("months", "")
    if months not in dict(CHARGE_HISTORY_MONTHS):
        months = ""
    history = (
        selectors.ChargesHistory(current.account_id, page.asked, int(months)) if months else None
    )
    return render(
        request,
        "billing/charges.html",
        {
            "page": page,
            "history": history,
            "months": months,
            "month_choices": CHARGE_HISTORY_MONTHS,
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


METER_PERIOD_LABELS = (
    ("", _lazy("Установленные сейчас")),
    ("3", _lazy("За последние три месяца")),
    ("6", _lazy("За последние шесть месяцев")),
    ("12", _lazy("За год")),
    ("all", _lazy("За всё время")),
)


def _meters_since(choice: str) -> dt.date | None:
    if not choice:
        return None
    months = selectors.METER_PERIODS[choice]
    if months is None:
        return dt.date.min
    return add_months(timezone.localdate(), -months)


@login_required
@require_GET
def details(request: HttpRequest, account_id: int) -> HttpResponse:
    current = selectors.linked_account(request.user, account_id)
    choice = request.GET.get("meters", "")
    if choice not in selectors.METER_PERIODS:
        choice = ""
    data = selectors.account_details(current, meters_since=_meters_since(choice))
    return render(
        request,
        "billing/details.html",
        {
            "details": data,
            "meter_periods": METER_PERIOD_LABELS,
            "meters_choice": choice,
            "account": current.account,
            "tab": "details",
            **_sidebar(request, current),
        },
    )


# --- Shared access ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def access(request: HttpRequest, account_id: int) -> HttpResponse:
    """«Совместный доступ»: the holder invites family members and sees and revokes who has
    access; a member sees who let them in."""
    current, shell = _shell(request, account_id)
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        if current.granted_by_id is not None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.invite_to_account(
                    link=selectors.linked_account(request.user, account_id),
                    address=form.cleaned_data["address"],
                    client_ip=client_ip(request),
                )
            except ServiceError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Приглашение отправлено."))
                return redirect("accounts:access", account_id=account_id)
    return render(
        request,
        "billing/access.html",
        {
            "access": selectors.account_access(current),
            "form": form,
            "account": current.account,
            "tab": "access",
            **shell,
        },
    )


@login_required
@require_POST
def revoke_invitation(request: HttpRequest, account_id: int, invitation_id: int) -> HttpResponse:
    current = selectors.linked_account(request.user, account_id)
    services.revoke_invitation(invitation=selectors.pending_invitation(current, invitation_id))
    messages.success(request, _("Приглашение отозвано."))
    return redirect("accounts:access", account_id=account_id)


@login_required
@require_POST
def revoke_member(request: HttpRequest, account_id: int, link_id: int) -> HttpResponse:
    current = selectors.linked_account(request.user, account_id)
    services.revoke_access(member=selectors.granted_link(current, link_id))
    messages.success(request, _("Доступ к лицевому счёту закрыт."))
    return redirect("accounts:access", account_id=account_id)


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee's page: who invites them to which account, and «Принять приглашение»."""
    user: Any = request.user
    form = AcceptInvitationForm(request.POST or None)
    error: ServiceError | None = None
    found = None
    try:
        found = services.invitation_for(user=user, token=token)
    except services.SharingError as refusal:
        error = refusal
    if found is not None and request.method == "POST" and form.is_valid():
        try:
            member = services.accept_invitation(
                user=user, token=token, relation=form.cleaned_data["relation"]
            )
        except services.SharingError as refusal:
            add_service_error(form, refusal)
        else:
            messages.success(request, _("Лицевой счёт добавлен в ваш кабинет."))
            return redirect("accounts:overview", account_id=member.account_id)
    return render(
        request,
        "billing/invitation.html",
        {"invitation": found, "error": error, "form": form, **_sidebar(request)},
        status=200 if error is None else 404,
    )
