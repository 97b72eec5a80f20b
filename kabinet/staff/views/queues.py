"""Queues of appeals, service requests and social-norm documents, and the pages of each item.

Every item is loaded through ``selectors`` with the staff member's scope: another supplier's id
answers 404, like an id that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kabinet.core.forms import perform
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


def _act(request: HttpRequest, form: Any, act: Callable[[], object], done: str) -> bool:
    """Run a support act from a staff form and say so; a refusal stays on the form."""
    if perform(form, act, SupportError):
        messages.success(request, done)
        return True
    return False


def _assign_form(request: HttpRequest, supplier_id: int) -> AssignForm:
    return AssignForm(request.POST, candidates=selectors.assignable_staff(supplier_id))


def _assign(request: HttpRequest, form: AssignForm, assign: Callable[[Any], object]) -> bool:
    """Assign an appeal or a request to the staff member the form names."""
    return _act(
        request, form, lambda: assign(form.cleaned_data["assignee"]), _("Исполнитель назначен.")
    )


@staff_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("staff:appeals")


# --- appeals ------------------------------------------------------------------------------------


def _queue(
    request: HttpRequest,
    kind: str,
    *,
    statuses: list[tuple[str, Any]],
    topics: list[tuple[str, Any]],
    select: Callable[[Any, selectors.QueueFilter], Any],
) -> HttpResponse:
    """A filtered, paged queue of appeals or service requests with each one's waiting time."""
    form = QueueFilterForm(
        request.GET, statuses=statuses, suppliers=scoping.visible_suppliers(request.user)
    )
    filters = _filters(form)
    page = paginate(request, select(request.user, filters))
    return render(
        request,
        f"staff/{kind}_queue.html",
        {
            "form": form,
            "topics": topics,
            "topic": filters.topic,
            "page": page,
            "rows": _rows_with_age(page),
            "item_url": f"staff:{kind}",
            "assign_url": f"staff:{kind}_assign",
            "nav": f"{kind}s",
        },
    )


@staff_required
@require_GET
def appeal_queue(request: HttpRequest) -> HttpResponse:
    return _queue(
        request,
        "appeal",
        statuses=list(Appeal.Status.choices),
        topics=Appeal.Topic.choices,
        select=selectors.appeal_queue,
    )


def _item_page(
    request: HttpRequest,
    template: str,
    obj: Appeal | ServiceRequest,
    *,
    assign_form: AssignForm | None,
    status: int,
    **context: Any,
) -> HttpResponse:
    """An appeal's or a request's page: its files, how long it waits and whom it is assigned to."""
    candidates = selectors.assignable_staff(obj.supplier_id)
    return render(
        request,
        template,
        {
            **context,
            "attachments": list(obj.attachments.all()),
            "age": selectors.format_age(timezone.now() - obj.created_at),
            "assign_form": assign_form
            or AssignForm(initial={"assignee": obj.assigned_to_id}, candidates=candidates),
        },
        status=status,
    )


def _appeal_page(
    request: HttpRequest,
    appeal: Appeal,
    *,
    answer_form: AnswerForm | None = None,
    assign_form: AssignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return _item_page(
        request,
        "staff/appeal_detail.html",
        appeal,
        assign_form=assign_form,
        status=status,
        appeal=appeal,
        thread=selectors.appeal_thread(appeal),
        answer_form=answer_form or AnswerForm(),
        nav="appeals",
    )


@staff_required
@require_http_methods(["GET", "POST"])
def appeal_detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """The thread and the answer form; POST answers."""
    appeal = selectors.staff_appeal(request.user, appeal_id)
    if request.method == "GET":
        return _appeal_page(request, appeal)
    form = AnswerForm(request.POST, request.FILES)
    answered = _act(
        request,
        form,
        lambda: services.answer_appeal(
            staff=request.user,  # type: ignore[arg-type]
            appeal=appeal,
            text=form.cleaned_data["text"],
            files=form.cleaned_data["attachments"],
        ),
        _("Ответ отправлен клиенту."),
    )
    if answered:
        return redirect("staff:appeal", appeal_id=appeal.pk)
    return _appeal_page(request, appeal, answer_form=form, status=400)


@staff_required
@require_POST
def appeal_assign(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = selectors.staff_appeal(request.user, appeal_id)
    form = _assign_form(request, appeal.supplier_id)
    if _assign(
        request,
        form,
        lambda assignee: services.assign_appeal(
            staff=request.user,  # type: ignore[arg-type]
            appeal=appeal,
            assignee=assignee,
        ),
    ):
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
    return _queue(
        request,
        "request",
        statuses=list(ServiceRequest.Status.choices),
        topics=_request_topics(request),
        select=selectors.request_queue,
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
    return _item_page(
        request,
        "staff/request_detail.html",
        item,
        assign_form=assign_form,
        status=status,
        item=item,
        history=selectors.request_history(item),
        status_form=status_form or _status_form(item),
        nav="requests",
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
    changed = _act(
        request,
        form,
        lambda: services.change_request_status(
            staff=request.user,  # type: ignore[arg-type]
            request=item,
            status=form.cleaned_data["status"],
            comment=form.cleaned_data["comment"],
        ),
        _("Статус заявки изменён."),
    )
    if changed:
        return redirect("staff:request", request_id=item.pk)
    return _request_page(request, item, status_form=form, status=400)


@staff_required
@require_POST
def request_assign(request: HttpRequest, request_id: int) -> HttpResponse:
    item = selectors.staff_request(request.user, request_id)
    form = _assign_form(request, item.supplier_id)
    if _assign(
        request,
        form,
        lambda assignee: services.assign_request(
            staff=request.user,  # type: ignore[arg-type]
            request=item,
            assignee=assignee,
        ),
    ):
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
    reviewed = request.method == "POST" and _act(
        request,
        form,
        lambda: services.review_document(
            staff=request.user,  # type: ignore[arg-type]
            document=document,
            accept=form.cleaned_data["decision"] == "accept",
            reason=form.cleaned_data["reason"],
        ),
        _("Решение по документам сохранено."),
    )
    if reviewed:
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
    return item.file_response(inline=item.is_image or item.content_type == "application/pdf")
