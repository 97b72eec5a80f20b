"""«Рекламно-информационные рассылки»: a supplier's mailing reaches only those who chose it and
whose marketing consent is in force; withdrawing the consent stops it at once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kabinet.billing.marketing import (
    MarketingError,
    marketing_audience,
    send_marketing,
    set_marketing_subscriptions,
)
from kabinet.billing.models import MarketingSubscription, Supplier
from kabinet.core.audit import Action
from kabinet.core.models import AuditEntry
from kabinet.identity.models import Consent, User
from kabinet.identity.services.consents import accept_consent, withdraw_consent
from kabinet.messaging.models import OutgoingMessage
from tests.factories import make_account, make_customer, make_link, make_supplier

pytestmark = pytest.mark.django_db

EMAIL = MarketingSubscription.Channel.EMAIL
SMS = MarketingSubscription.Channel.SMS


@pytest.fixture
def supplier() -> Supplier:
    return make_supplier(short_name="ТЭСК")


@pytest.fixture
def subscriber(supplier: Supplier) -> User:
    user = make_customer(email_confirmed_at=timezone.now())
    make_link(user, make_account(supplier))
    set_marketing_subscriptions(user=user, wanted={(supplier.pk, EMAIL)}, give_consent=True)
    return user


def _mail(supplier: Supplier, channel: str = EMAIL) -> int:
    return send_marketing(
        supplier=supplier, channel=channel, subject="Скидка на поверку", text="Только в декабре"
    ).queued


def test_a_mailing_goes_to_who_chose_it_by_that_channel(
    supplier: Supplier, subscriber: User
) -> None:
    other = make_customer(email_confirmed_at=timezone.now())
    make_link(other, make_account(supplier))
    accept_consent(user=other, kind=Consent.Kind.MARKETING, ip_address=None)  # but chose nothing

    assert _mail(supplier) == 1
    message = OutgoingMessage.objects.get(template="marketing")
    assert message.to == subscriber.email
    assert message.subject == "Скидка на поверку"
    assert "Только в декабре" in message.body
    assert _mail(supplier, SMS) == 0  # chose e-mail only
    assert _mail(make_supplier()) == 0  # another supplier's mailing


def test_withdrawing_the_marketing_consent_stops_marketing_at_once(
    supplier: Supplier, subscriber: User
) -> None:
    assert _mail(supplier) == 1
    queued = OutgoingMessage.objects.get(template="marketing")
    assert queued.status == OutgoingMessage.Status.QUEUED

    assert withdraw_consent(user=subscriber, kind=Consent.Kind.MARKETING) == 1

    # The mail already waiting is held back, and the next mailing leaves them out.
    queued.refresh_from_db()
    assert queued.status == OutgoingMessage.Status.WITHHELD
    assert _mail(supplier) == 0
    assert list(marketing_audience(supplier=supplier, channel=EMAIL)) == []
    entry = AuditEntry.objects.get(action=Action.CONSENT_WITHDRAWN)
    assert entry.data["kind"] == "marketing"
    assert entry.data["held_back"] == 1
    # The choices stay; a new consent (a new row) brings them back.
    accept_consent(user=subscriber, kind=Consent.Kind.MARKETING, ip_address=None)
    assert Consent.objects.filter(user=subscriber, kind="marketing").count() == 2
    assert _mail(supplier) == 1


def test_a_mailing_needs_a_confirmed_address_and_a_link_to_the_supplier(
    supplier: Supplier, subscriber: User
) -> None:
    User.objects.filter(pk=subscriber.pk).update(email_confirmed_at=None)
    assert _mail(supplier) == 0
    User.objects.filter(pk=subscriber.pk).update(email_confirmed_at=timezone.now())
    subscriber.account_links.all().delete()
    assert _mail(supplier) == 0


def test_choosing_a_mailing_without_the_consent_is_refused(supplier: Supplier) -> None:
    user = make_customer()
    make_link(user, make_account(supplier))
    with pytest.raises(MarketingError) as refused:
        set_marketing_subscriptions(user=user, wanted={(supplier.pk, SMS)})
    assert refused.value.code == "consent_required"
    assert not MarketingSubscription.objects.exists()


def test_a_supplier_of_none_of_the_accounts_cannot_be_chosen(subscriber: User) -> None:
    stranger = make_supplier()
    with pytest.raises(MarketingError) as refused:
        set_marketing_subscriptions(user=subscriber, wanted={(stranger.pk, EMAIL)})
    assert refused.value.code == "unknown_supplier"


def test_changing_the_mailings_is_audited(supplier: Supplier, subscriber: User) -> None:
    assert set_marketing_subscriptions(user=subscriber, wanted={(supplier.pk, SMS)})
    entry = AuditEntry.objects.filter(action=Action.MARKETING_SUBSCRIPTIONS_CHANGED).latest("pk")
    assert entry.data == {"added": [[supplier.pk, "sms"]], "removed": [[supplier.pk, "email"]]}
    assert not set_marketing_subscriptions(user=subscriber, wanted={(supplier.pk, SMS)})
