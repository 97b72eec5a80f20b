"""«Рекламно-информационные рассылки»: who a supplier's mailing goes to, and sending it.

A customer chooses, per supplier of their linked accounts and per channel (e-mail, SMS), whether
to get its mailings (``MarketingSubscription``); the choice counts only while their marketing
consent is in force (``identity.Consent``). Everything that sends marketing goes through
``marketing_audience``, which checks both in the query, so a withdrawn consent stops the next
mailing; the mail already queued is held back by the withdrawal itself
(``identity.services.consents.hold_back_marketing``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from kabinet.billing.models import AccountLink, MarketingSubscription, Supplier
from kabinet.core.audit import Action, record
from kabinet.core.errors import ServiceError
from kabinet.identity.models import Consent, User
from kabinet.identity.services.consents import (
    MARKETING_TEMPLATE,
    accept_consent,
    has_active_consent,
)
from kabinet.messaging.services import DeliveryRefused, send_email, send_sms

Channel = MarketingSubscription.Channel
CHANNELS: tuple[str, ...] = (Channel.EMAIL, Channel.SMS)


class MarketingError(ServiceError):
    """A mailing choice refused, with a message for the customer."""


def marketing_suppliers(user: User) -> list[Supplier]:
    """The suppliers whose mailings the user may choose: those of their linked accounts."""
    return list(
        Supplier.objects.filter(accounts__links__user=user).distinct().order_by("short_name")
    )


def subscriptions_of(user: User) -> set[tuple[int, str]]:
    """(supplier id, channel) of each mailing the user chose."""
    return set(
        MarketingSubscription.objects.filter(user=user).values_list("supplier_id", "channel")
    )


def consented() -> Exists:
    """The user of the row (``user`` / ``pk``) has a marketing consent in force."""
    return Exists(
        Consent.objects.filter(
            user_id=OuterRef("pk"), kind=Consent.Kind.MARKETING, withdrawn_at__isnull=True
        )
    )


@transaction.atomic
def set_marketing_subscriptions(
    *,
    user: User,
    wanted: Iterable[tuple[int, str]],
    give_consent: bool = False,
    ip_address: str | None = None,
) -> bool:
    """Make the user's mailings exactly ``wanted`` ((supplier id, channel) pairs) and audit the
    change; ``give_consent`` first records the marketing consent (today's version). A mailing
    without the consent in force, a supplier of none of their accounts or an unknown channel
    is refused, nothing saved. Returns whether any mailing changed."""
    wanted = set(wanted)
    if give_consent and not has_active_consent(user, Consent.Kind.MARKETING):
        accept_consent(user=user, kind=Consent.Kind.MARKETING, ip_address=ip_address)
    if wanted and not has_active_consent(user, Consent.Kind.MARKETING):
        raise MarketingError(
            "consent_required",
            _("Чтобы получать рассылки, дайте согласие на их получение."),
            field="consent",
        )
    allowed = {supplier.pk for supplier in marketing_suppliers(user)}
    for supplier_id, channel in wanted:
        if supplier_id not in allowed:
            raise MarketingError(
                "unknown_supplier", _("Поставщик не найден среди ваших лицевых счетов.")
            )
        if channel not in CHANNELS:
            raise MarketingError("invalid_channel", _("Выберите e-mail или SMS."))
    current = subscriptions_of(user)
    added, removed = wanted - current, current - wanted
    for supplier_id, channel in removed:
        MarketingSubscription.objects.filter(
            user=user, supplier_id=supplier_id, channel=channel
        ).delete()
    MarketingSubscription.objects.bulk_create(
        [MarketingSubscription(user=user, supplier_id=s, channel=c) for s, c in sorted(added)],
        ignore_conflicts=True,
    )
    if added or removed:
        record(
            actor=user,
            action=Action.MARKETING_SUBSCRIPTIONS_CHANGED,
            obj=user,
            added=sorted([s, c] for s, c in added),
            removed=sorted([s, c] for s, c in removed),
        )
    return bool(added or removed)


def marketing_audience(*, supplier: Supplier, channel: str) -> QuerySet[User]:
    """The people a supplier's mailing by ``channel`` may go to now: subscribed to it, with the
    marketing consent in force, still linked to one of the supplier's accounts, and with a
    confirmed address for the channel."""
    subscribed = MarketingSubscription.objects.filter(
        user_id=OuterRef("pk"), supplier=supplier, channel=channel
    )
    linked = AccountLink.objects.filter(user_id=OuterRef("pk"), account__supplier=supplier)
    users = User.objects.filter(Exists(subscribed), Exists(linked), consented(), is_active=True)
    if channel == Channel.EMAIL:
        return (
            users.exclude(email="")
            .filter(email__isnull=False, email_confirmed_at__isnull=False)
            .order_by("pk")
        )
    return (
        users.exclude(phone="")
        .filter(phone__isnull=False, phone_confirmed_at__isnull=False)
        .order_by("pk")
    )


@dataclass(frozen=True)
class Mailing:
    queued: int
    refused: int  # SMS past the caps


def send_marketing(*, supplier: Supplier, channel: str, subject: str, text: str) -> Mailing:
    """Queue a supplier's mailing to its audience now (the outbox sends it); one transaction,
    audited. SMS count against the SMS caps like any other; one refused by a cap is skipped."""
    if channel not in CHANNELS:
        raise MarketingError("invalid_channel", _("Выберите e-mail или SMS."))
    queued = refused = 0
    context = {"supplier": supplier.name, "subject": subject, "text": text}
    with transaction.atomic():
        for user in marketing_audience(supplier=supplier, channel=channel).iterator():
            # The audience query excludes users without the channel's address.
            if channel == Channel.EMAIL:
                send_email(to=user.email or "", template=MARKETING_TEMPLATE, context=context)
            else:
                try:
                    with transaction.atomic():
                        send_sms(to=user.phone or "", template=MARKETING_TEMPLATE, context=context)
                except DeliveryRefused:
                    refused += 1
                    continue
            queued += 1
        record(
            actor=None,
            action=Action.MARKETING_MAILING_QUEUED,
            obj=supplier,
            supplier_id=supplier.pk,
            channel=channel,
            queued=queued,
            refused=refused,
        )
    return Mailing(queued=queued, refused=refused)
