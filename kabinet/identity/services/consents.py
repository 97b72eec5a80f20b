"""Consents a customer gives (152-FZ): each document its own row, with version, time and IP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kabinet.core.audit import Action, record
from kabinet.identity.models import Consent, User

Kind = Consent.Kind

# Documents without which nobody may register.
REQUIRED_KINDS: tuple[str, ...] = (Kind.PERSONAL_DATA, Kind.USER_AGREEMENT)


def current_version(kind: str) -> str:
    """The version of document ``kind`` a customer accepts today (from settings)."""
    return {
        Kind.PERSONAL_DATA: settings.PERSONAL_DATA_CONSENT_VERSION,
        Kind.USER_AGREEMENT: settings.USER_AGREEMENT_VERSION,
        Kind.MARKETING: settings.MARKETING_CONSENT_VERSION,
    }[Kind(kind)]


def pending_consents(
    *, kinds: Iterable[str], ip_address: str | None
) -> list[dict[str, str | None]]:
    """Consents ticked before the user exists, as JSON for a pending registration's payload."""
    now = timezone.now().isoformat()
    return [
        {"kind": str(Kind(k)), "version": current_version(k), "accepted_at": now, "ip": ip_address}
        for k in kinds
    ]


def record_pending_consents(
    *, user: User, pending: Iterable[dict[str, str | None]]
) -> list[Consent]:
    """Store consents kept in a pending registration; they keep the moment they were ticked.

    Runs inside the registration's transaction.
    """
    return [
        Consent.objects.create(
            user=user,
            kind=str(item["kind"]),
            version=str(item["version"]),
            accepted_at=dt.datetime.fromisoformat(str(item["accepted_at"])),
            ip_address=item.get("ip"),
        )
        for item in pending
    ]


def accept_consent(*, user: User, kind: str, ip_address: str | None) -> Consent:
    """Record that ``user`` accepted today's version of document ``kind``; one transaction."""
    with transaction.atomic():
        consent = Consent.objects.create(
            user=user, kind=kind, version=current_version(kind), ip_address=ip_address
        )
        record(
            actor=user,
            action=Action.CONSENT_ACCEPTED,
            obj=consent,
            kind=kind,
            version=consent.version,
        )
    return consent


def withdraw_consent(*, user: User, kind: str) -> int:
    """Withdraw every active consent of ``kind``; returns how many rows changed."""
    with transaction.atomic():
        changed = Consent.objects.filter(user=user, kind=kind, withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now()
        )
        if changed:
            record(actor=user, action=Action.CONSENT_WITHDRAWN, obj=user, kind=kind)
    return changed
