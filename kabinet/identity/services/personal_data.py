"""The person's rights under 152-FZ: to see what is stored about them and to have it destroyed.

Identity exports and deletes what is its own (the user row, consents, codes, tokens, the audit
trail of their acts) and the messages sent to them. The apps above it keep the rest and each
says, in its ``personal_data`` module listed in ``settings.PERSONAL_DATA_MODULES``, how it
exports and erases it (see ``kabinet.core.personal_data``): a setting, because identity may not
import those apps and a list in one place shows the order in which they run.

What the deletion leaves is what the utility must keep for its books: payments (amounts and
dates), readings, accounts and charges, service requests as jobs, all without the person.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from types import ModuleType
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core import audit
from kabinet.core.audit import Action, record
from kabinet.core.models import AuditEntry
from kabinet.core.personal_data import plain, pseudonym
from kabinet.identity.models import Consent, User, Verification
from kabinet.identity.services.consents import withdraw_consent
from kabinet.identity.services.profile import (
    PROFILE_FIELDS,
    ProfileError,
    check_current_password,
)
from kabinet.messaging.models import OutgoingMessage

EXPORT_FORMAT_VERSION = 2

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

# What identity itself does with each field that points to a person or holds their details;
# the other apps' modules say the same of theirs (tests/identity/test_deletion_coverage.py).
COVERS: Mapping[str, str] = {
    "core.AuditEntry.actor": "kept as the act; label pseudonymised, personal keys of data removed",
    "core.AuditEntry.actor_label": "a deleted person's label becomes a pseudonym",
    "core.AuditEntry.data": "personal keys (ip, alias, comment …) removed",
    "identity.Consent.user": "deleted",
    "identity.Consent.ip_address": "deleted with the consent",
    "identity.ConsentText.text": "the utility's document, the same for everyone: kept",
    "identity.Verification.user": "deleted, with every code sent to the person's phone or e-mail",
    "identity.Verification.target": "deleted with the code",
    "identity.Verification.payload": "deleted with the code",
    "identity.ApiToken.user": "deleted: every device is logged out",
    "identity.ApiToken.label": "deleted with the token",
    "messaging.OutgoingMessage.to": "every message to the person's phone or e-mail is deleted",
    "messaging.OutgoingMessage.body": "deleted with the message",
    "messaging.OutgoingMessage.html_body": "deleted with the message",
    "messaging.OutgoingMessage.subject": "deleted with the message",
}


def modules() -> list[ModuleType]:
    """The apps' personal-data modules, in the order the setting lists them."""
    return [import_module(path) for path in settings.PERSONAL_DATA_MODULES]


def covered_fields() -> dict[str, str]:
    """Every "app.Model.field" some module says what the deletion does with."""
    covered = dict(COVERS)
    for module in modules():
        covered.update(module.COVERS)
    return covered


def _messages(user: User) -> list[dict[str, Any]]:
    """What was sent to the person, without the texts: they hold one-time codes and links."""
    targets = [t for t in (user.phone, user.email) if t]
    return [
        {
            "channel": message.channel,
            "to": message.to,
            "subject": message.subject,
            "template": message.template,
            "status": message.status,
            "created_at": plain(message.created_at),
            "sent_at": plain(message.sent_at),
        }
        for message in OutgoingMessage.objects.filter(to__in=targets).order_by("created_at", "pk")
    ]


def export_personal_data(*, user: User) -> dict[str, Any]:
    """Everything Kabinet stores about the person, as a JSON-serialisable dict.

    A read, but audited: a data subject's request is itself something the operator must be
    able to show it answered.
    """
    with transaction.atomic():
        data: dict[str, Any] = {
            "format_version": EXPORT_FORMAT_VERSION,
            "exported_at": timezone.now().isoformat(),
            "user": {name: plain(getattr(user, name)) for name in USER_FIELDS},
            "consents": [
                {
                    "kind": consent.kind,
                    "title": consent.get_kind_display(),
                    "version": consent.version,
                    "accepted_at": plain(consent.accepted_at),
                    "withdrawn_at": plain(consent.withdrawn_at),
                    "ip_address": consent.ip_address,
                }
                for consent in user.consents.order_by("accepted_at")
            ],
            "api_tokens": [
                {
                    "device": token.label,
                    "created_at": plain(token.created_at),
                    "last_used_at": plain(token.last_used_at),
                    "expires_at": plain(token.expires_at),
                }
                for token in user.api_tokens.order_by("created_at")
            ],
            "pending_verifications": [
                {
                    "purpose": verification.purpose,
                    "target": verification.target,
                    "created_at": plain(verification.created_at),
                    "expires_at": plain(verification.expires_at),
                }
                for verification in Verification.objects.filter(
                    user=user, used_at__isnull=True, expires_at__gt=timezone.now()
                )
            ],
            "messages": _messages(user),
            "activity": [
                {
                    "at": plain(entry.at),
                    "action": entry.action,
                    "ip": entry.data.get("ip") if isinstance(entry.data, dict) else None,
                }
                for entry in AuditEntry.objects.filter(actor=user).order_by("at", "pk")
            ],
        }
        for module in modules():
            data.update(module.export_personal_data(user=user))
        record(actor=user, action=Action.PERSONAL_DATA_EXPORTED, obj=user)
    return data


@transaction.atomic
def delete_user(*, user: User, current_password: str, confirmed: bool) -> None:
    """Destroy the person's user and every personal detail kept about them.

    Each app's eraser runs first, while its rows still point to the person: it deletes what is
    only theirs (links, appeals, documents and their files) and strips the person from what the
    utility keeps (payments keep amounts and dates, readings their values). Then codes and
    messages for the person's phone or e-mail go, the audit trail keeps the acts under a
    pseudonym, one last row records the deletion, and the user row goes with its consents and
    tokens. Files leave the disk once this commits.
    """
    check_current_password(user, current_password)
    if not confirmed:
        raise ProfileError(
            "not_confirmed", _("Подтвердите, что хотите удалить учётную запись."), field="confirm"
        )
    _erase(user)


@transaction.atomic
def withdraw_personal_data_consent(*, user: User, current_password: str, confirmed: bool) -> None:
    """Withdraw the consent to personal-data processing (152-FZ art. 9 p. 2).

    Without it the portal may not keep the person's data, and without the data there is no
    account: the withdrawal is audited and stamped on the consent, then the account is closed
    through the same deletion as «Удалить учётную запись», in one transaction — the person is
    never left with a withdrawn consent and their data still kept. The audit rows stay (under a
    pseudonym) as the proof of when the consent ended.
    """
    check_current_password(user, current_password)
    if not confirmed:
        raise ProfileError(
            "not_confirmed",
            _("Подтвердите, что понимаете: учётная запись будет закрыта."),
            field="confirm",
        )
    withdraw_consent(user=user, kind=Consent.Kind.PERSONAL_DATA)
    _erase(user)


def _erase(user: User) -> None:
    for module in modules():
        module.erase_personal_data(user=user)
    targets = [t for t in (user.phone, user.email) if t]
    Verification.objects.filter(Q(target__in=targets) | Q(user=user)).delete()
    # The outbox keeps the text of every SMS and letter with its address.
    OutgoingMessage.objects.filter(to__in=targets).delete()
    record(actor=user, action=Action.USER_DELETED, obj=user)
    audit.forget_actor(
        actor_id=user.pk, labels=[*targets, user.username], pseudonym=pseudonym(user.pk)
    )
    user.delete()
