"""The audit log's one way in: ``record()`` writes the row of an act, ``Action`` names the act.

Every act of a customer, a staff member or the system writes exactly one row, from inside the
act's own ``transaction.atomic()``, so the row exists if and only if the act happened. An act of
a staff member on something of one supplier passes ``supplier_id``: the staff journal scopes by
it. Action names are ``<app>.<noun>_<past participle>``; core only holds the strings, it imports
nothing from the apps that use them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import Q

from kabinet.core.models import AuditEntry


class Action(models.TextChoices):
    # identity
    USER_REGISTERED = "identity.user_registered"
    PERSONAL_DETAILS_FILLED = "identity.personal_details_filled"
    LOGIN_FAILED = "identity.login_failed"
    USER_LOGGED_IN = "identity.user_logged_in"
    USER_LOGGED_OUT = "identity.user_logged_out"
    PASSWORD_RECOVERED = "identity.password_recovered"  # noqa: S105 (a name, not a secret)
    CONSENT_ACCEPTED = "identity.consent_accepted"
    CONSENT_WITHDRAWN = "identity.consent_withdrawn"
    PROFILE_UPDATED = "identity.profile_updated"
    PASSWORD_CHANGED = "identity.password_changed"  # noqa: S105
    PHONE_CHANGE_STARTED = "identity.phone_change_started"
    PHONE_CHANGED = "identity.phone_changed"
    EMAIL_CHANGE_STARTED = "identity.email_change_started"
    EMAIL_CONFIRMATION_STARTED = "identity.email_confirmation_started"
    EMAIL_CHANGED = "identity.email_changed"
    EMAIL_CONFIRMED = "identity.email_confirmed"
    PERSONAL_DATA_EXPORTED = "identity.personal_data_exported"
    USER_DELETED = "identity.user_deleted"
    API_TOKEN_REVOKED = "identity.api_token_revoked"  # noqa: S105 (a name, not a secret)
    # billing
    LINK_FAILED = "billing.link_failed"
    ACCOUNT_LINKED = "billing.account_linked"
    LINK_UPDATED = "billing.link_updated"
    ACCOUNT_UNLINKED = "billing.account_unlinked"
    ACCOUNT_INVITATION_SENT = "billing.account_invitation_issued"
    ACCOUNT_INVITATION_REVOKED = "billing.account_invitation_revoked"
    ACCOUNT_INVITATION_ACCEPTED = "billing.account_invitation_accepted"
    ACCOUNT_ACCESS_REVOKED = "billing.account_access_revoked"
    MARKETING_SUBSCRIPTIONS_CHANGED = "billing.marketing_subscriptions_changed"
    MARKETING_MAILING_QUEUED = "billing.marketing_mailing_queued"
    # metering
    READINGS_SUBMITTED = "metering.readings_submitted"
    # payments: the acquirer's answers are acts of the system (no actor)
    PAYMENT_STARTED = "payments.payment_started"
    # The acquirer has taken the payment and waits for the card holder.
    PAYMENT_REGISTERED = "payments.payment_registered"
    PAYMENT_SUCCEEDED = "payments.payment_succeeded"
    PAYMENT_CANCELED = "payments.payment_canceled"
    PAYMENT_REFUNDED = "payments.payment_refunded"
    REFUND_ISSUED = "payments.refund_issued"
    # support: customers
    REQUEST_CREATED = "support.request_created"
    CATALOG_ITEM_ORDERED = "support.catalog_item_ordered"
    REQUEST_CANCELED = "support.request_canceled"
    APPEAL_CREATED = "support.appeal_created"
    APPEAL_REPLIED = "support.appeal_replied"
    DOCUMENT_UPLOADED = "support.document_uploaded"
    # support: staff
    APPEAL_ANSWERED = "support.appeal_answered"
    APPEAL_ASSIGNED = "support.appeal_assigned"
    APPEAL_CLOSED = "support.appeal_closed"
    REQUEST_ASSIGNED = "support.request_assigned"
    REQUEST_STATUS_CHANGED = "support.request_status_changed"
    DOCUMENT_REVIEWED = "support.document_reviewed"
    # notifications
    NOTIFICATION_SUBSCRIPTIONS_UPDATED = "notifications.subscriptions_updated"
    NOTIFICATION_UNSUBSCRIBED = "notifications.email_unsubscribed"
    # staff
    STAFF_LOGIN_FAILED = "staff.login_failed"
    STAFF_LOGGED_IN = "staff.member_logged_in"
    STAFF_LOGGED_OUT = "staff.member_logged_out"
    SUPPLIER_SETTINGS_UPDATED = "staff.supplier_settings_updated"
    FAQ_SAVED = "staff.faq_saved"
    FAQ_ACTIVATED = "staff.faq_activated"
    FAQ_DEACTIVATED = "staff.faq_deactivated"
    FAQ_CATEGORY_SAVED = "staff.faq_category_saved"
    CATALOG_ITEM_SAVED = "staff.catalog_item_saved"
    CATALOG_ITEM_ACTIVATED = "staff.catalog_item_activated"
    CATALOG_ITEM_DEACTIVATED = "staff.catalog_item_deactivated"
    ANNOUNCEMENT_CREATED = "staff.announcement_created"
    # api
    API_TOKEN_ISSUED = "api.token_issued"  # noqa: S105


def record(
    *,
    actor: AbstractBaseUser | None,
    action: Action,
    obj: models.Model | None,
    supplier_id: int | None = None,
    actor_label: str | None = None,
    **data: Any,
) -> AuditEntry:
    """Write the one audit row of an act; call it inside the act's ``transaction.atomic()``.

    ``obj`` is what the act was done to (None when there is nothing yet, as for a failed
    login). ``actor_label`` names an actor that is no user (a name typed at a login, an
    acquirer); by default a staff actor is labelled with their username, which keeps the
    journal readable after the user is gone, and a customer with nothing: once a customer's
    user is deleted, the log must name no one. ``data`` must be JSON-serialisable.
    """
    if actor_label is None:
        staff = actor is not None and getattr(actor, "is_staff", False)
        actor_label = actor.get_username() if staff and actor is not None else ""
    return AuditEntry.objects.create(
        actor_id=actor.pk if actor is not None else None,
        actor_label=actor_label[:150],
        action=Action(action),
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        supplier_id=supplier_id,
        data=data,
    )


# Keys of an entry's ``data`` that may carry a person's details: the address they came from, what
# they called a flat, what they or staff wrote about them. They go when the person is erased;
# the act, its time and its object stay.
PERSONAL_KEYS = frozenset(
    {"ip", "alias", "group", "note", "comment", "reason", "text", "phone", "email", "name"}
)


def _strip(entries: models.QuerySet[AuditEntry], label: str | None) -> int:
    changed = []
    for entry in entries.iterator(chunk_size=500):
        data = entry.data if isinstance(entry.data, dict) else {}
        stripped = {key: value for key, value in data.items() if key not in PERSONAL_KEYS}
        if stripped != data or (label is not None and entry.actor_label != label):
            entry.data = stripped
            if label is not None:
                entry.actor_label = label
            changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["data", "actor_label"], batch_size=500)
    return len(changed)


def forget_actor(*, actor_id: int, labels: Collection[str], pseudonym: str) -> int:
    """The entries of a person who is being erased keep their acts and lose the person.

    Their own entries and the ones labelled with something that named them (a failed login
    typed with their phone) get ``pseudonym`` as the label and lose the PERSONAL_KEYS of their
    data; the caller deletes the user afterwards, which empties ``actor``. Returns how many
    entries changed.
    """
    named = Q(actor_id=actor_id)
    wanted = [label for label in labels if label]
    if wanted:
        named |= Q(actor_label__in=wanted)
    return _strip(AuditEntry.objects.filter(named), pseudonym)


def forget_details(*, obj_model: type[models.Model], object_ids: Iterable[Any]) -> int:
    """Entries about these objects (staff acts on a person's request, say) lose the
    PERSONAL_KEYS of their data; who acted stays. Returns how many entries changed."""
    ids = [str(pk) for pk in object_ids]
    if not ids:
        return 0
    entries = AuditEntry.objects.filter(object_type=obj_model._meta.label, object_id__in=ids)
    return _strip(entries, None)
