"""What staff do in the back office: sign in, change settings and content, work the queues.

Every function that changes state runs in one transaction and writes an AuditEntry with the
action ``staff.<verb>``, the staff user as actor and, where the act concerns one supplier,
``supplier_id`` in its data (the audit page scopes by it).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from kabinet.billing.models import Supplier
from kabinet.core import ratelimit
from kabinet.core.models import AuditEntry
from kabinet.core.ratelimit import CACHE_FAILURES
from kabinet.identity.models import User
from kabinet.staff import scoping
from kabinet.staff.selectors import assignable_staff
from kabinet.support import services as support_services
from kabinet.support.models import Appeal, AppealMessage, ServiceRequest, SocialNormDocument
from kabinet.support.services import SupportError

logger = logging.getLogger(__name__)


# --- audit ---------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal | dt.date | dt.time | dt.datetime):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def record(
    *,
    staff: Any,
    verb: str,
    obj: models.Model | None = None,
    supplier_id: int | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit row of a staff act (call inside the act's transaction)."""
    payload: dict[str, Any] = dict(data or {})
    if supplier_id is not None:
        payload["supplier_id"] = supplier_id
    return AuditEntry.objects.create(
        actor=staff if getattr(staff, "pk", None) else None,
        actor_label=(staff.get_username() if staff is not None else "")[:150],
        action=f"staff.{verb}",
        object_type=obj._meta.model_name or "" if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=payload,
    )


def check_scope(staff: Any, supplier_id: int | None) -> None:
    """Http404 unless ``staff`` may see ``supplier_id``: services check it as well as views."""
    ids = scoping.supplier_ids(staff)
    if ids is not None and supplier_id not in ids:
        raise Http404


# --- sign in -------------------------------------------------------------------------------


class StaffLoginFailed(Exception):
    """Wrong username or password, not staff, or throttled; ``message`` is Russian text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _throttle_keys(username: str, ip: str) -> list[tuple[str, int]]:
    name = username.strip().lower()
    return [
        # The owner on another network is not locked out by failures from this one …
        (f"staff-login:pair:{name}:{ip}", settings.LOGIN_FAILURES_PER_IDENTIFIER),
        # … password spraying from one address stops at the per-IP cap …
        (f"staff-login:ip:{ip}", settings.LOGIN_FAILURES_PER_IP),
        # … and a distributed attack on one name stops at the (high) per-name cap.
        (f"staff-login:user:{name}", settings.LOGIN_FAILURES_PER_ACCOUNT),
    ]


def _throttled(username: str, ip: str) -> bool:
    try:
        return any(ratelimit.count(key) >= limit for key, limit in _throttle_keys(username, ip))
    except CACHE_FAILURES:
        logger.exception("staff login throttle unavailable")
        return False


def _count_failure(username: str, ip: str) -> None:
    try:
        for key, limit in _throttle_keys(username, ip):
            ratelimit.hit(key, limit=limit, window=settings.LOGIN_FAILURE_WINDOW)
    except CACHE_FAILURES:
        logger.exception("staff login throttle unavailable")


def _clear_failures(username: str, ip: str) -> None:
    try:
        pair, _ip, name = _throttle_keys(username, ip)
        ratelimit.reset(pair[0])
        ratelimit.reset(name[0])
    except CACHE_FAILURES:
        logger.exception("staff login throttle unavailable")


def staff_log_in(*, request: HttpRequest, username: str, password: str, client_ip: str) -> User:
    """Check a staff member's username and password, throttled; returns the user to log in.

    A customer's correct credentials get the same answer as wrong ones, so the staff login
    tells nobody which customer accounts exist. Raises StaffLoginFailed; audits both outcomes.
    """
    if _throttled(username, client_ip):
        minutes = max(1, math.ceil(settings.LOGIN_FAILURE_WINDOW / 60))
        raise StaffLoginFailed(
            _("Слишком много попыток. Попробуйте через %(n)d мин.") % {"n": minutes}
        )
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, User) or not scoping.is_staff(user):
        _count_failure(username, client_ip)
        # Only a name that exists goes to the log: a password typed into the wrong field must
        # not end up there.
        known = User.objects.filter(username=username.strip()).exists()
        with transaction.atomic():
            AuditEntry.objects.create(
                actor_label=username.strip()[:150] if known else "",
                action="staff.login_failed",
                object_type="user",
                data={"ip": client_ip},
            )
        raise StaffLoginFailed(_("Неверное имя пользователя или пароль."))
    _clear_failures(username, client_ip)
    with transaction.atomic():
        record(staff=user, verb="logged_in", obj=user, data={"ip": client_ip})
    return user


def record_logout(*, staff: User, client_ip: str) -> None:
    with transaction.atomic():
        record(staff=staff, verb="logged_out", obj=staff, data={"ip": client_ip})


# --- supplier settings -----------------------------------------------------------------------

SUPPLIER_SETTINGS = (
    "readings_first_day",
    "readings_last_day",
    "readings_close_time",
    "readings_strict",
    "readings_jump_factor",
    "link_by_code",
    "link_by_bill_total",
    "link_by_surname_flat",
    "min_payment",
    "approved_for_payment",
    "address",
    "phone",
    "email",
    "website",
)


def update_supplier_settings(
    *, staff: User, supplier: Supplier, values: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """Save the settings staff may change and audit each change with its old and new value.

    ``values`` holds cleaned form data (keys outside SUPPLIER_SETTINGS are ignored). Returns
    the changes ({field: {"before", "after"}}); nothing is written when there are none.
    """
    check_scope(staff, supplier.pk)
    with transaction.atomic():
        current = Supplier.objects.select_for_update().get(pk=supplier.pk)
        changes: dict[str, dict[str, Any]] = {}
        for name in SUPPLIER_SETTINGS:
            if name not in values:
                continue
            before, after = getattr(current, name), values[name]
            if before != after:
                changes[name] = {"before": _jsonable(before), "after": _jsonable(after)}
                setattr(current, name, after)
        if changes:
            current.save(update_fields=[*changes, "updated_at"])
            record(
                staff=staff,
                verb="update_supplier_settings",
                obj=current,
                supplier_id=current.pk,
                data={"changes": changes},
            )
    for name in changes:
        setattr(supplier, name, getattr(current, name))
    return changes


# --- generic content editing (FAQ, catalog) --------------------------------------------------


def _check_content_scope(staff: User, supplier_id: int | None) -> None:
    # A row for every supplier (no supplier) is edited by all-supplier staff only.
    if supplier_id is None:
        if not scoping.sees_all_suppliers(staff):
            raise Http404
    else:
        check_scope(staff, supplier_id)


def save_content(
    *,
    staff: User,
    instance: models.Model,
    fields: Iterable[str],
    supplier_id: int | None,
    previous_supplier_id: int | None = None,
    verb: str,
) -> models.Model:
    """Create or update a scoped content row (catalog item, FAQ entry) and audit what changed.

    ``instance`` carries the new values (a ModelForm's instance after validation); the old ones
    are read back under a row lock, so the audit shows exactly what this save changed.
    ``supplier_id`` is the row's supplier after the save and ``previous_supplier_id`` before it
    (for an existing row); both must be in the staff member's scope.
    """
    _check_content_scope(staff, supplier_id)
    model = type(instance)
    created = instance.pk is None
    if not created:
        _check_content_scope(staff, previous_supplier_id)
    with transaction.atomic():
        changes: dict[str, dict[str, Any]] = {}
        old = None if created else model._default_manager.select_for_update().get(pk=instance.pk)
        for name in fields:
            after = getattr(instance, name)
            before = None if old is None else getattr(old, name)
            if old is None or before != after:
                changes[name] = {"before": _jsonable(before), "after": _jsonable(after)}
        instance.save()
        record(
            staff=staff,
            verb=verb,
            obj=instance,
            supplier_id=supplier_id,
            data={"created": created, "changes": changes},
        )
    return instance


# --- the queues: staff acts of the support app, scoped and audited as staff acts -------------
#
# kabinet.support writes its own audit row for each act («support.*»); the staff row added here
# carries the supplier, which the staff audit page scopes by, and the staff verb.


def _check_assignee(assignee: User | None, supplier_id: int) -> None:
    if assignee is not None and not assignable_staff(supplier_id).filter(pk=assignee.pk).exists():
        raise SupportError(
            "not_staff", _("Назначить можно только сотрудника этого поставщика."), field="assignee"
        )


def answer_appeal(
    *, staff: User, appeal: Appeal, text: str, files: Sequence[UploadedFile] = ()
) -> AppealMessage:
    check_scope(staff, appeal.supplier_id)
    with transaction.atomic():
        message = support_services.answer_appeal(appeal, staff=staff, text=text, files=files)
        record(
            staff=staff,
            verb="answer_appeal",
            obj=appeal,
            supplier_id=appeal.supplier_id,
            data={"number": appeal.number, "message_id": message.pk, "files": len(files)},
        )
    return message


def assign_appeal(*, staff: User, appeal: Appeal, assignee: User | None) -> Appeal:
    check_scope(staff, appeal.supplier_id)
    _check_assignee(assignee, appeal.supplier_id)
    with transaction.atomic():
        before = appeal.assigned_to_id
        updated = support_services.assign_appeal(appeal, staff=staff, assignee=assignee)
        record(
            staff=staff,
            verb="assign_appeal",
            obj=appeal,
            supplier_id=appeal.supplier_id,
            data={
                "number": appeal.number,
                "assignee": {"before": before, "after": assignee.pk if assignee else None},
            },
        )
    return updated


def close_appeal(*, staff: User, appeal: Appeal) -> Appeal:
    check_scope(staff, appeal.supplier_id)
    with transaction.atomic():
        before = appeal.status
        updated = support_services.close_appeal(appeal, staff=staff)
        record(
            staff=staff,
            verb="close_appeal",
            obj=appeal,
            supplier_id=appeal.supplier_id,
            data={"number": appeal.number, "status": {"before": before, "after": updated.status}},
        )
    return updated


def assign_request(
    *, staff: User, request: ServiceRequest, assignee: User | None
) -> ServiceRequest:
    check_scope(staff, request.supplier_id)
    _check_assignee(assignee, request.supplier_id)
    with transaction.atomic():
        before = request.assigned_to_id
        updated = support_services.assign_request(request, staff=staff, assignee=assignee)
        record(
            staff=staff,
            verb="assign_request",
            obj=request,
            supplier_id=request.supplier_id,
            data={
                "number": request.number,
                "assignee": {"before": before, "after": assignee.pk if assignee else None},
            },
        )
    return updated


def change_request_status(
    *, staff: User, request: ServiceRequest, status: str, comment: str = ""
) -> ServiceRequest:
    check_scope(staff, request.supplier_id)
    with transaction.atomic():
        before = request.status
        updated = support_services.change_request_status(
            request, staff=staff, status=status, comment=comment
        )
        record(
            staff=staff,
            verb="change_request_status",
            obj=request,
            supplier_id=request.supplier_id,
            data={
                "number": request.number,
                "status": {"before": before, "after": updated.status},
                "comment": comment,
            },
        )
    return updated


def review_document(
    *, staff: User, document: SocialNormDocument, accept: bool, reason: str = ""
) -> SocialNormDocument:
    check_scope(staff, document.supplier_id)
    with transaction.atomic():
        before = document.status
        updated = support_services.review_document(
            document, staff=staff, accept=accept, reason=reason
        )
        record(
            staff=staff,
            verb="review_document",
            obj=document,
            supplier_id=document.supplier_id,
            data={"status": {"before": before, "after": updated.status}, "reason": reason},
        )
    return updated
