"""The person's rights under 152-FZ: to see what is stored about them and to have it destroyed.

What belongs to the person (their user row, consents, codes, tokens, links to accounts) is
exported and deleted here. What belongs to the utility stays: accounts, charges, bills,
readings and payments are the utility's records, kept by law, and merely lose the pointer to
the user (their foreign keys are SET_NULL).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.audit import Action, record
from kabinet.core.models import AuditEntry
from kabinet.identity.models import User, Verification
from kabinet.identity.services.profile import (
    PROFILE_FIELDS,
    ProfileError,
    check_current_password,
)

EXPORT_FORMAT_VERSION = 1
# Looked up by name: the billing app sits above identity and adds the model later.
ACCOUNT_LINK_MODEL: str = "billing.AccountLink"

USER_FIELDS = (
    "id",
    *PROFILE_FIELDS,
    "phone",
    "phone_confirmed_at",
    "email",
    "email_confirmed_at",
    "date_joined",
    "last_login",
)


def _plain(value: Any) -> Any:
    """JSON-friendly: dates and times as ISO 8601, related rows as their text."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _account_links(user: User) -> list[dict[str, Any]]:
    """Links to personal accounts, once the billing app has them (AccountLink)."""
    try:
        model = apps.get_model(ACCOUNT_LINK_MODEL)
    except LookupError:
        return []
    rows = []
    for link in model._default_manager.filter(user=user):
        rows.append(
            {
                field.name: _plain(getattr(link, field.name))
                for field in model._meta.concrete_fields
                if field.name not in {"id", "user"}
            }
        )
    return rows


def export_personal_data(*, user: User) -> dict[str, Any]:
    """Everything Kabinet stores about the person, as a JSON-serialisable dict.

    A read, but audited: a data subject's request is itself something the operator must be
    able to show it answered.
    """
    with transaction.atomic():
        data: dict[str, Any] = {
            "format_version": EXPORT_FORMAT_VERSION,
            "exported_at": timezone.now().isoformat(),
            "user": {name: _plain(getattr(user, name)) for name in USER_FIELDS},
            "consents": [
                {
                    "kind": consent.kind,
                    "title": consent.get_kind_display(),
                    "version": consent.version,
                    "accepted_at": _plain(consent.accepted_at),
                    "withdrawn_at": _plain(consent.withdrawn_at),
                    "ip_address": consent.ip_address,
                }
                for consent in user.consents.order_by("accepted_at")
            ],
            "account_links": _account_links(user),
            "api_tokens": [
                {
                    "device": token.label,
                    "created_at": _plain(token.created_at),
                    "last_used_at": _plain(token.last_used_at),
                    "expires_at": _plain(token.expires_at),
                }
                for token in user.api_tokens.order_by("created_at")
            ],
            "pending_verifications": [
                {
                    "purpose": verification.purpose,
                    "target": verification.target,
                    "created_at": _plain(verification.created_at),
                    "expires_at": _plain(verification.expires_at),
                }
                for verification in Verification.objects.filter(
                    user=user, used_at__isnull=True, expires_at__gt=timezone.now()
                )
            ],
            "activity": [
                {"at": _plain(entry.at), "action": entry.action}
                for entry in AuditEntry.objects.filter(actor=user).order_by("at")
            ],
        }
        record(actor=user, action=Action.PERSONAL_DATA_EXPORTED, obj=user)
    return data


@transaction.atomic
def delete_user(*, user: User, current_password: str, confirmed: bool) -> None:
    """Destroy the person's user and everything that is only theirs.

    Cascades remove consents, verifications and API tokens; the audit log keeps its rows with
    the actor set to NULL and one final row that records the deletion without any personal
    data (the pk alone names no one once the row is gone). Codes still pending for the
    person's phone or e-mail (a registration, a recovery) and the messages sent to them go as
    well: they hold the address.
    """
    check_current_password(user, current_password)
    if not confirmed:
        raise ProfileError(
            "not_confirmed", _("Подтвердите, что хотите удалить учётную запись."), field="confirm"
        )
    targets = [t for t in (user.phone, user.email) if t]
    if targets:
        Verification.objects.filter(Q(target__in=targets) | Q(user=user)).delete()
        # The outbox keeps the text of every SMS and letter with its address.
        try:
            outbox = apps.get_model("messaging", "OutgoingMessage")
        except LookupError:  # messaging not installed: nothing was kept
            pass
        else:
            outbox._default_manager.filter(to__in=targets).delete()
    record(actor=user, action=Action.USER_DELETED, obj=user)
    user.delete()
