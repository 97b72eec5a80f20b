"""Queues of appeals, service requests and social-norm documents, and the pages of each item.

Every item is loaded through ``selectors`` with the staff member's scope: another supplier's id
answers 404, like an id that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kabinet.core.forms import add_service_error
from kabinet.core.uploads import private_file_response
from kabinet.staff import scoping, selectors
from kabinet.staff.access import staff_required
from kabinet.staff.forms import AnswerForm, AssignForm, QueueFilterForm, ReviewForm, StatusForm
from kabinet.staff.views.common import back_or, paginate
from kabinet.support import services
from kabinet.support.models import Appeal, RequestType, ServiceRequest, SocialNormDocument
from kabinet.support.services import STAFF_TRANSITIONS, SupportError


def _filters(form: QueueFilterForm) -> selectors.QueueFilter:
    if not form.is_valid():
        # A filter that does not parse is dropped, the rest still applies.
        data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    else:
        data = form.cleaned_data
    supplier = data.get("supplier")
    return selectors.QueueFilter(
        status=data.get("status") or "",
        supplier_id=supplier.pk if supplier else None,
        topic=form.data.get("topic", "").strip() if form.is_bound else "",
        assigned=data.get("assigned") or "",
        created_from=data.get("created_from"),
        created_to=data.get("created_to"),
    )


def _rows_with_age(page: Any) -> list[tuple[Any, str]]:
    now = timezone.now()
    return [(item, selectors.format_age(now - item.created_at)) for item in page]


@staff_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("staff:appeals")


# --- appeals ------------------------------------------------------------------------------------


@staff_required
@require_GET
def appeal_queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(
        request.GET,
        statuses=list(Appeal.Status.choices),
        suppliers=scoping.visible_suppliers(request.user),
    )
    filters = _filters(form)
    page = paginate(request, selectors.appeal_queue(request.user, filters))
    return render(
        request,
        "staff/appeal_queue.html",
        {
            "form": form,
            "topics": Appeal.Topic.choices,
            "topic": filters.topic,
            "page": page,
            "rows": _rows_with_age(page),
            "nav": "appeals",
        },
    )


def _appeal_page(
    request: HttpRequest,
    appeal: Appeal,
    *,
    answer_form: AnswerForm | None = None,
    assign_form: AssignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    candidates = selectors.assignable_staff(appeal.supplier_id)
    return render(
        request,
        "staff/appeal_detail.html",
        {
            "appeal": appeal,
            "attachments": list(appeal.attachments.all()),
            "thread": selectors.appeal_thread(appeal),
            "age": selectors.format_age(timezone.now() - appeal.created_at),
            "answer_form": answer_form or AnswerForm(),
            "assign_form": assign_form
            or AssignForm(initial={"assignee": appeal.assigned_to_id}, candidates=candidates),
            "nav": "appeals",
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def appeal_detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """The thread and the answer form; POST answers."""
    appeal = selectors.staff_appeal(request.user, appeal_id)
    if request.method == "GET":
        return _appeal_page(request, appeal)
    form = AnswerForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.answer_appeal(
                staff=request.user,  # type: ignore[arg-type]
                appeal=appeal,
                text=form.cleaned_data["text"],
                files=form.cleaned_data["attachments"],
            )
        except SupportError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Ответ отправлен клиенту."))
            return redirect("staff:appeal", appeal_id=appeal.pk)
    return _appeal_page(request, appeal, answer_form=form, status=400)


@staff_required
@require_POST
def appeal_assign(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = selectors.staff_appeal(request.user, appeal_id)
    form = AssignForm(request.POST, candidates=selectors.assignable_staff(appeal.supplier_id))
    if form.is_valid():
        try:
            services.assign_appeal(
                staff=request.user,  # type: ignore[arg-type]
                appeal=appeal,
                assignee=form.cleaned_data["assignee"],
            )
        except SupportError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Исполнитель назначен."))
            return back_or(request, "staff:appeal", appeal_id=appeal.pk)
    return _appeal_page(request, appeal, assign_form=form, status=400)


@staff_required
@require_POST
def appeal_close(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = selectors.staff_appeal(request.user, appeal_id)
    services.close_appeal(staff=request.user, appeal=appeal)  # type: ignore[arg-type]
    messages.success(request, _("Обращение закрыто."))
    return redirect("staff:appeal", appeal_id=appeal.pk)


# --- service requests ---------------------------------------------------------------------------


def _request_topics(request: HttpRequest) -> list[tuple[str, str]]:
    types = scoping.scoped(RequestType.objects.select_related("supplier"), request.user)
    choices = [(str(t.pk), f"{t.name} ({t.supplier.short_name})") for t in types]
    return [*choices, ("catalog", _("Заказ из каталога услуг"))]


@staff_required
@require_GET
def request_queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(
        request.GET,
        statuses=list(ServiceRequest.Status.choices),
        suppliers=scoping.visible_suppliers(request.user),
    )
    filters = _filters(form)
    page = paginate(request, selectors.request_queue(request.user, filters))
    return render(
        request,
        "staff/request_queue.html",
        {
            "form": form,
            "topics": _request_topics(request),
            "topic": filters.topic,
            "page": page,
            "rows": _rows_with_age(page),
            "nav": "requests",
        },
    )


def _status_form(item: ServiceRequest, data: Any = None) -> StatusForm | None:
    allowed = STAFF_TRANSITIONS.get(item.status, frozenset())
    if not allowed:
        return None
    statuses = [
        (value, label) for value, label in ServiceRequest.Status.choices if value in allowed
    ]
    return StatusForm(
        data, statuses=statuses, cancel_status=ServiceRequest.Status.CANCELED_BY_STAFF
    )


def _request_page(
    request: HttpRequest,
    item: ServiceRequest,
    *,
    status_form: StatusForm | None = None,
    assign_form: AssignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    candidates = selectors.assignable_staff(item.supplier_id)
    return render(
        request,
        "staff/request_detail.html",
        {
            "item": item,
            "attachments": list(item.attachments.all()),
            "history": selectors.request_history(item),
            "age": selectors.format_age(timezone.now() - item.created_at),
            "status_form": status_form or _status_form(item),
            "assign_form": assign_form
            or AssignForm(initial={"assignee": item.assigned_to_id}, candidates=candidates),
            "nav": "requests",
        },
        status=status,
    )


@staff_required
@require_GET
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    return _request_page(request, selectors.staff_request(request.user, request_id))


@staff_required
@require_POST
def request_status(request: HttpRequest, request_id: int) -> HttpResponse:
    item = selectors.staff_request(request.user, request_id)
    form = _status_form(item, request.POST)
    if form is None:
        messages.error(request, _("Заявка уже закрыта, её статус не меняется."))
        return redirect("staff:request", request_id=item.pk)
    if form.is_valid():
        try:
            services.change_request_status(
                staff=request.user,  # type: ignore[arg-type]
                request=item,
                status=form.cleaned_data["status"],
                comment=form.cleaned_data["comment"],
            )
        except SupportError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Статус заявки изменён."))
            return redirect("staff:request", request_id=item.pk)
    return _request_page(request, item, status_form=form, status=400)


@staff_required
@require_POST
def request_assign(request: HttpRequest, request_id: int) -> HttpResponse:
    item = selectors.staff_request(request.user, request_id)
    form = AssignForm(request.POST, candidates=selectors.assignable_staff(item.supplier_id))
    if form.is_valid():
        try:
            services.assign_request(
                staff=request.user,  # type: ignore[arg-type]
                request=item,
                assignee=form.cleaned_data["assignee"],
            )
        except SupportError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Исполнитель назначен."))
            return back_or(request, "staff:request", request_id=item.pk)
    return _request_page(request, item, assign_form=form, status=400)


# --- documents for the social norm --------------------------------------------------------------


@staff_required
@require_GET
def document_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in ("", "all", *SocialNormDocument.Status.values):
        status = ""
    page = paginate(request, selectors.document_queue(request.user, status))
    return render(
        request,
        "staff/document_queue.html",
        {
            "status": status,
            "statuses": SocialNormDocument.Status.choices,
            "page": page,
            "rows": _rows_with_age(page),
            "nav": "documents",
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def document_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    document = selectors.staff_document(request.user, document_id)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_document(
                staff=request.user,  # type: ignore[arg-type]
                document=document,
                accept=form.cleaned_data["decision"] == "accept",
                reason=form.cleaned_data["reason"],
            )
        except SupportError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Решение по документам сохранено."))
            return redirect("staff:document", document_id=document.pk)
    return render(
        request,
        "staff/document_detail.html",
        {
            "document": document,
            "attachments": list(document.attachments.all()),
            "form": form,
            "nav": "documents",
        },
        status=400 if form.errors else 200,
    )


# --- files ------------------------------------------------------------------------------------


@staff_required
@require_GET
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A customer's or staff member's file, after the scope check; images open in the browser."""
    item = selectors.staff_attachment(request.user, attachment_id)
    return private_file_response(
        item.file,
        content_type=item.content_type,
        download_name=item.original_name,
        inline=item.is_image or item.content_type == "application/pdf",
    )
