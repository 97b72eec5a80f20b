"""Readings pages of an account: submit (with a confirmation step), history, report, photo.

Every view takes the account through ``linked_account`` first, so someone else's account (or
a reading of another account under one's own account id) answers 404 to GET and POST alike.
"""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kabinet.billing.models import AccountLink
from kabinet.billing.selectors import linked_account, linked_accounts
from kabinet.core.periods import add_months
from kabinet.core.uploads import private_file_response
from kabinet.metering import selectors, services, windows
from kabinet.metering.forms import HistoryForm, ReportForm, posted_values
from kabinet.metering.models import Reading
from kabinet.metering.services import Plan, Problem, ReadingsError
from kabinet.metering.windows import Windows, WindowState, supplier_zone


def _today(link: AccountLink) -> dt.date:
    return windows.now().astimezone(supplier_zone(link.account.supplier)).date()


def _window_notices(
    rows: list[selectors.MeterRow], account_window: WindowState
) -> list[dict[str, Any]]:
    """What the page says about the readings windows: one notice per supplier of the meters (the
    account's own supplier's when it has none), named only when there are several."""
    by_supplier: dict[int, tuple[str, WindowState]] = {}
    for row in rows:
        by_supplier.setdefault(row.meter.supplier_id, (row.meter.supplier.short_name, row.window))
    found = list(by_supplier.values()) or [("", account_window)]
    return [
        {
            "supplier": name if len(found) > 1 else "",
            "window": window,
            "accepts": window.accepts,
            "message": windows.closed_rule(window)
            if not window.accepts
            else windows.status_message(window),
            "countdown": None if window.accepts else windows.countdown(window),
        }
        for name, window in found
    ]


def _line_state(row: selectors.MeterRow, automatic_account: bool) -> str:
    """How the page offers a meter: ``input``, or why not (``automatic``, ``closed``,
    ``refused`` for a meter past its verification date whose supplier takes no readings)."""
    if automatic_account or row.meter.is_automatic:
        return "automatic"
    if not row.window.accepts:
        return "closed"
    if services.refuses_overdue(row.meter, row.window):
        return "refused"
    return "input"


def _nth_text(texts: list[str], position: int) -> str:
    return texts[position - 1] if len(texts) >= position else ""


def _page(request: HttpRequest, link: AccountLink, **extra: Any) -> dict[str, Any]:
    return {
        "account": link.account,
        "current_link": link,
        "links": linked_accounts(request.user),
        "tab": "readings",
        **extra,
    }


def _form_page(
    request: HttpRequest,
    link: AccountLink,
    values: dict[int, list[str]] | None = None,
    error: ReadingsError | None = None,
    status: int = 200,
) -> HttpResponse:
    open_windows = Windows()
    account_window = open_windows.of(link.account.supplier)
    rows = selectors.submission_rows(link.account_id, account_window.today, open_windows)
    errors = error.by_field() if error else {}
    values = values or {}
    automatic_account = link.account.automatic_readings
    lines = [
        {
            "row": row,
            "inputs": [
                {
                    "name": f"m{row.meter.pk}_z{position}",
                    "label": label,
                    "value": _nth_text(values.get(row.meter.pk, []), position),
                    "previous": row.meter.show(row.last.values[position - 1])
                    if row.last is not None and len(row.last.values) >= position
                    else None,
                    "errors": errors.get(f"m{row.meter.pk}_z{position}", []),
                }
                for position, label in row.zones
            ],
            "errors": errors.get(f"m{row.meter.pk}", []),
            "state": _line_state(row, automatic_account),
            "overdue": (
                services.overdue_refusal(row.meter)
                if services.refuses_overdue(row.meter, row.window)
                else services.overdue_warning(row.meter)
            )
            if row.verification_overdue
            else "",
        }
        for row in rows
    ]
    known = {f"m{row.meter.pk}" for row in rows} | {
        f"m{row.meter.pk}_z{z}" for row in rows for z in range(1, 4)
    }
    general = [m for name, found in errors.items() if name not in known for m in found]
    # The error summary above the form: each problem linked to the input to fix.
    problems: list[dict[str, str]] = [{"message": m} for m in general]
    for row in rows:
        title = f"{row.meter.service.name} № {row.meter.serial_number}"
        zones = list(row.zones)
        inputs = {position: f"id_m{row.meter.pk}_z{position}" for position, _label in zones}
        shown = _line_state(row, automatic_account) == "input"
        first = inputs[zones[0][0]] if zones and shown else ""
        for message in errors.get(f"m{row.meter.pk}", []):
            problems.append({"label": title, "message": message, "field_id": first})
        for position, label in zones:
            for message in errors.get(f"m{row.meter.pk}_z{position}", []):
                problems.append(
                    {
                        "label": f"{title}, {label}" if len(zones) > 1 else title,
                        "message": message,
                        "field_id": inputs[position] if shown else "",
                    }
                )
    return render(
        request,
        "metering/submit.html",
        _page(
            request,
            link,
            subtab="submit",
            notices=_window_notices(rows, account_window),
            lines=lines,
            problems=problems,
            any_input=any(line["state"] == "input" for line in lines),
            automatic_message=services.automatic_message() if automatic_account else None,
        ),
        status=status,
    )


def _confirm_page(
    request: HttpRequest,
    link: AccountLink,
    plan: Plan,
    values: dict[int, list[str]],
    problems: list[Problem],
    status: int = 200,
) -> HttpResponse:
    by_field: dict[str, list[str]] = {}
    for problem in problems:
        by_field.setdefault(problem.field, []).append(problem.message)
    lines = []
    for planned in plan.readings:
        meter = planned.meter
        zone_labels = (
            [_("Показание")] if meter.zones == 1 else [str(z.label) for z in meter.zone_list]
        )
        lines.append(
            {
                "meter": meter,
                "values": [
                    {
                        "label": zone_labels[i],
                        "value": services.show(value, meter),
                        "warnings": by_field.get(f"m{meter.pk}_z{i + 1}", []),
                    }
                    for i, value in enumerate(planned.values)
                ],
                "replaces": planned.replaces,
                "period": planned.window.period,
                "overdue": services.overdue_warning(meter) if planned.verification_overdue else "",
            }
        )
    hidden = [
        (f"m{meter_id}_z{i}", text)
        for meter_id, texts in values.items()
        for i, text in enumerate(texts, start=1)
    ]
    return render(
        request,
        "metering/confirm.html",
        _page(
            request,
            link,
            subtab="submit",
            plan=plan,
            several_periods=len(plan.periods) > 1,
            lines=lines,
            hidden=hidden,
            ask_rollover=any(p.rollover for p in plan.readings),
            ask_jump=any(p.jump for p in plan.readings),
            rollover_checked=bool(request.POST.get("confirm_rollover")),
            jump_checked=bool(request.POST.get("confirm_jump")),
            photo_errors=by_field.get("photo", []),
            max_mb=f"{settings.UPLOAD_MAX_BYTES / 1024 / 1024:g}",
            problems=[p for p in problems if p.code in services.CONFIRMABLE],
        ),
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, account_id: int) -> HttpResponse:
    """GET: the form. POST «Исправить» from the confirmation: the form with the values kept.
    POST «Передать»: save, then back to the form with a success message."""
    link = linked_account(request.user, account_id)
    if request.method == "GET":
        return _form_page(request, link)
    values = posted_values(request.POST)
    if "send" not in request.POST:
        return _form_page(request, link, values)
    try:
        submission = services.submit_readings(
            user=link.user,
            link=link,
            values=values,
            confirm_rollover=bool(request.POST.get("confirm_rollover")),
            confirm_jump=bool(request.POST.get("confirm_jump")),
            photo=request.FILES.get("photo"),
        )
    except ReadingsError as error:
        if error.only_confirmations or error.code == "photo_invalid":
            try:
                plan = services.check_readings(
                    link=link, values=values, confirm_rollover=True, confirm_jump=True
                )
            except ReadingsError as other:
                return _form_page(request, link, values, other, status=400)
            return _confirm_page(request, link, plan, values, error.problems, status=400)
        return _form_page(request, link, values, error, status=400)
    count = len(submission.readings)
    messages.success(
        request,
        _("Показания переданы (приборов учёта: %(count)s). Спасибо!") % {"count": count},
    )
    return redirect("readings:submit", account_id=link.account_id)


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, account_id: int) -> HttpResponse:
    """The confirmation step: exactly what will be sent, nothing saved yet."""
    link = linked_account(request.user, account_id)
    if request.method == "GET":
        return redirect("readings:submit", account_id=link.account_id)
    values = posted_values(request.POST)
    try:
        plan = services.check_readings(link=link, values=values)
        problems: list[Problem] = []
    except ReadingsError as error:
        if not error.only_confirmations:
            return _form_page(request, link, values, error, status=400)
        problems = error.problems
        plan = services.check_readings(
            link=link, values=values, confirm_rollover=True, confirm_jump=True
        )
    return _confirm_page(request, link, plan, values, problems)


@login_required
@require_GET
def history(request: HttpRequest, account_id: int) -> HttpResponse:
    link = linked_account(request.user, account_id)
    form = HistoryForm(request.GET or None)
    start, end = form.date_range(_today(link))
    meters = selectors.reading_history(link.account_id, start, end)
    return render(
        request,
        "metering/history.html",
        _page(request, link, subtab="history", form=form, start=start, end=end, meters=meters),
    )


@login_required
@require_GET
def report(request: HttpRequest, account_id: int) -> HttpResponse:
    link = linked_account(request.user, account_id)
    today = _today(link)
    form = ReportForm(
        request.GET
        if "date_from" in request.GET
        else {
            "date_from": add_months(today.replace(day=1), -3).isoformat(),
            "date_to": today.isoformat(),
        },
        services=selectors.meter_services(link.account_id),
    )
    lines: list[selectors.ReportLine] = []
    if form.is_valid():
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        lines = selectors.readings_report(
            link.account_id, start, end, service_id=form.cleaned_data["service"]
        )
        if request.GET.get("format") == "csv":
            return _report_csv(lines, start, end, link)
    return render(
        request,
        "metering/report.html",
        _page(request, link, subtab="report", form=form, lines=lines),
    )


def _report_csv(
    lines: list[selectors.ReportLine], start: dt.date, end: dt.date, link: AccountLink
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"pokazaniya_{link.account.number}_{start:%Y-%m-%d}_{end:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [_("Услуга"), _("№ счётчика"), _("Зона"), _("Дата на начало"), _("Показание на начало"),
         _("Дата принятого"), _("Принятое показание"), _("Расход"), _("Ед. изм.")]
    )  # fmt: skip
    for line in lines:
        meter = line.meter
        writer.writerow(
            [
                meter.service.name,
                meter.serial_number,
                line.zone,
                f"{line.start.taken_on:%d.%m.%Y}" if line.start else "",
                services.show(line.start_value, meter) if line.start_value is not None else "",
                f"{line.end.taken_on:%d.%m.%Y}" if line.end else "",
                services.show(line.end_value, meter) if line.end_value is not None else "",
                services.show(line.use, meter) if line.use is not None else "",
                meter.service.unit,
            ]
        )
    return response


@login_required
@require_GET
def photo(request: HttpRequest, account_id: int, reading_id: int) -> HttpResponseBase:
    """The photo attached to a reading, to the account's own customers only."""
    link = linked_account(request.user, account_id)
    reading = (
        Reading.objects.filter(pk=reading_id, meter__account_id=link.account_id)
        .exclude(photo="")
        .first()
    )
    if reading is None:
        raise Http404
    return photo_response(reading)


def photo_response(reading: Reading) -> HttpResponseBase:
    extension = str(reading.photo.name).rsplit(".", 1)[-1]
    return private_file_response(
        reading.photo,
        content_type=reading.photo_content_type or "application/octet-stream",
        download_name=f"pokazaniya-{reading.pk}.{extension}",
    )
