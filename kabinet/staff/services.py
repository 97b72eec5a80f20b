"""What staff do in the back office: sign in, change supplier settings and content.

Every function that changes state runs in one transaction and writes one audit row with the
staff user as actor and, where the act concerns one supplier, that supplier (the staff journal
scopes by it). The queues' acts (answers, assignments, statuses, reviews) are the support app's
services, called by the staff views directly.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import models, transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from kabinet.billing import scoping, versions
from kabinet.billing.models import Supplier
from kabinet.core import ratelimit
from kabinet.core.audit import Action, record
from kabinet.core.errors import Refusal
from kabinet.core.ratelimit import CACHE_FAILURES
from kabinet.identity.models import User

logger = logging.getLogger(__name__)


def check_scope(staff: User, supplier_id: int | None) -> None:
    """Http404 unless ``staff`` may act on a row of ``supplier_id``: views check it as well."""
    if not scoping.may_act_for(staff, supplier_id):
        raise Http404


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal | dt.date | dt.time | dt.datetime):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


# --- sign in -------------------------------------------------------------------------------


class StaffLoginFailed(Refusal):
    """Wrong username or password, not staff, or throttled; ``message`` is Russian text."""

    default_code = "invalid_credentials"


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


def staff_log_in(
    *,
    request: HttpRequest,
    username: str,
    password: str,
    client_ip: str,
    superuser_only: bool = False,
) -> User:
    """Check a staff member's username and password, throttled; returns the user to log in.

    A customer's correct credentials get the same answer as wrong ones, so the staff login
    tells nobody which customer accounts exist. ``superuser_only`` is the admin's login: there
    a staff member's correct password is refused like a wrong one. Both logins count failures
    in the same counters, so neither is a way around the other's throttle. Raises
    StaffLoginFailed; audits both outcomes.
    """
    if _throttled(username, client_ip):
        minutes = max(1, math.ceil(settings.LOGIN_FAILURE_WINDOW / 60))
        raise StaffLoginFailed(
            _("Слишком много попыток. Попробуйте через %(n)d мин.") % {"n": minutes}
        )
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, User) or not (
        user.is_superuser if superuser_only else scoping.is_staff(user)
    ):
        _count_failure(username, client_ip)
        # Only a name that exists goes to the log: a password typed into the wrong field must
        # not end up there.
        known = User.objects.filter(username=username.strip()).exists()
        with transaction.atomic():
            record(
                actor=None,
                actor_label=username.strip() if known else "",
                action=Action.STAFF_LOGIN_FAILED,
                obj=None,
                ip=client_ip,
            )
        raise StaffLoginFailed(_("Неверное имя пользователя или пароль."))
    _clear_failures(username, client_ip)
    with transaction.atomic():
        record(actor=user, action=Action.STAFF_LOGGED_IN, obj=user, ip=client_ip)
    return user


def record_logout(*, staff: User, client_ip: str) -> None:
    with transaction.atomic():
        record(actor=staff, action=Action.STAFF_LOGGED_OUT, obj=staff, ip=client_ip)


# --- supplier settings -----------------------------------------------------------------------

SUPPLIER_SETTINGS = (
    "readings_first_day",
    "readings_last_day",
    "readings_close_time",
    "readings_strict",
    "readings_jump_factor",
    "readings_overdue_verification",
    "link_by_code",
    "link_by_bill_total",
    "link_by_surname_flat",
    "min_payment",
    "payment_commission",
    "approved_for_payment",
    "receipt_vat_code",
    "receipt_is_merchant",
    "receipt_agent_type",
    "sms_notification_kinds",
    "address",
    "phone",
    "email",
    "website",
    # The payment QR of every bill is made from these; staff correct them when the supplier
    # changes banks. Each change is audited with its old and new value.
    "bank_name",
    "bic",
    "settlement_account",
    "correspondent_account",
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
            # The bill PDF prints the supplier's address, phone and website.
            versions.bump_supplier(current.pk)
            record(
                actor=staff,
                action=Action.SUPPLIER_SETTINGS_UPDATED,
                obj=current,
                supplier_id=current.pk,
                changes=changes,
            )
    for name in changes:
        setattr(supplier, name, getattr(current, name))
    return changes


# --- generic content editing (FAQ, catalog) --------------------------------------------------


def save_content(
    *,
    staff: User,
    instance: models.Model,
    fields: Iterable[str],
    supplier_id: int | None,
    previous_supplier_id: int | None = None,
    action: Action,
) -> models.Model:
    """Create or update a scoped content row (catalog item, FAQ entry) and audit what changed.

    ``instance`` carries the new values (a ModelForm's instance after validation); the old ones
    are read back under a row lock, so the audit shows exactly what this save changed.
    ``supplier_id`` is the row's supplier after the save and ``previous_supplier_id`` before it
    (for an existing row); both must be in the staff member's scope.
    """
    # A row for every supplier (no supplier) is edited by all-supplier staff only.
    check_scope(staff, supplier_id)
    model = type(instance)
    created = instance.pk is None
    if not created:
        check_scope(staff, previous_supplier_id)
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
            actor=staff,
            action=action,
            obj=instance,
            supplier_id=supplier_id,
            created=created,
            changes=changes,
        )
    return instance
