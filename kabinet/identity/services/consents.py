"""Consents a customer gives (152-FZ): each document its own row, with version, time and IP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kabinet.core.audit import Action, record
from kabinet.identity.models import Consent, ConsentText, User
from kabinet.messaging.models import OutgoingMessage

Kind = Consent.Kind

# Documents without which nobody may register.
REQUIRED_KINDS: tuple[str, ...] = (Kind.PERSONAL_DATA, Kind.USER_AGREEMENT)

# The outbox template of every marketing mailing: what a withdrawal stops before it goes out.
MARKETING_TEMPLATE = "marketing"


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
    """Withdraw every active consent of ``kind``; returns how many rows changed.

    Each acceptance is its own row, so the withdrawal is stamped on the rows it ends: the
    history keeps which version was agreed to, when, and when it ended. Withdrawing the
    marketing consent also holds back the marketing mail already queued for the person's
    phone and e-mail: it takes effect at once, not after the queue has drained.
    """
    with transaction.atomic():
        active = list(
            Consent.objects.select_for_update()
            .filter(user=user, kind=kind, withdrawn_at__isnull=True)
            .values_list("version", flat=True)
        )
        changed = Consent.objects.filter(user=user, kind=kind, withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now()
        )
        if changed:
            held = 0
            if kind == Kind.MARKETING:
                held = hold_back_marketing(user=user)
            record(
                actor=user,
                action=Action.CONSENT_WITHDRAWN,
                obj=user,
                kind=kind,
                versions=sorted(set(active)),
                held_back=held,
            )
    return changed


def hold_back_marketing(*, user: User) -> int:
    """Mark the marketing messages still waiting for the person's phone or e-mail withheld:
    the delivery job sends only queued ones. Returns how many."""
    targets = [t for t in (user.phone, user.email) if t]
    if not targets:
        return 0
    return OutgoingMessage.objects.filter(
        to__in=targets,
        template=MARKETING_TEMPLATE,
        status=OutgoingMessage.Status.QUEUED,
    ).update(status=OutgoingMessage.Status.WITHHELD)


def has_active_consent(user: User, kind: str) -> bool:
    return Consent.objects.filter(user=user, kind=kind, withdrawn_at__isnull=True).exists()


def consent_history(user: User) -> list[Consent]:
    """The person's consents, newest first within each document, for the profile."""
    return list(Consent.objects.filter(user=user).order_by("kind", "-accepted_at", "-pk"))


def consent_text(kind: str, version: str) -> ConsentText | None:
    """The kept text of one version of a document, or None when the utility has not stored
    it (the document's template is then the text)."""
    return ConsentText.objects.filter(kind=kind, version=version).first()
