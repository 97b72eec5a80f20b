"""Consents in the profile: which version was agreed to and its text, withdrawing the marketing
consent (at once, audited) and the personal-data consent (closes the account)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kabinet.billing.models import AccountLink
from kabinet.core.audit import Action
from kabinet.core.models import AuditEntry
from kabinet.core.personal_data import pseudonym
from kabinet.identity.models import Consent, ConsentText, User
from kabinet.identity.services.consents import accept_consent
from tests.factories import PASSWORD, make_account, make_customer, make_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer() -> User:
    user = make_customer()
    for kind in Consent.Kind.values:
        accept_consent(user=user, kind=kind, ip_address="203.0.113.5")
    return user


def test_every_document_ships_with_the_text_of_its_first_version() -> None:
    assert set(ConsentText.objects.filter(version="1").values_list("kind", flat=True)) == set(
        Consent.Kind.values
    )


def test_the_profile_shows_the_text_of_the_version_the_customer_agreed_to(
    client_in: Client, customer: User, settings: pytest.FixtureRequest
) -> None:
    consent = Consent.objects.get(user=customer, kind=Consent.Kind.PERSONAL_DATA)
    kept = ConsentText.objects.get(kind="personal_data", version="1").text
    # The utility publishes a new text; the customer agreed to the old one.
    ConsentText.objects.create(kind="personal_data", version="2", text="Новая редакция.")
    settings.PERSONAL_DATA_CONSENT_VERSION = "2"  # type: ignore[attr-defined]

    page = client_in.get(reverse("profile:consents")).content.decode()
    assert f'href="{reverse("profile:consent-text", args=[consent.pk])}"' in page
    text = client_in.get(reverse("profile:consent-text", args=[consent.pk])).content.decode()
    assert kept.split("\n")[0] in text
    assert "Новая редакция." not in text
    # The public page offers today's version and keeps the old one readable by its number.
    document = reverse("identity:document", args=["personal-data"])
    assert "Новая редакция." in client_in.get(document).content.decode()
    assert kept.split("\n")[0] in client_in.get(f"{document}?version=1").content.decode()
    assert client_in.get(f"{document}?version=9").status_code == 404


def test_someone_elses_consent_is_not_found(client_in: Client) -> None:
    other = make_customer()
    theirs = accept_consent(user=other, kind=Consent.Kind.MARKETING, ip_address=None)
    assert client_in.get(reverse("profile:consent-text", args=[theirs.pk])).status_code == 404


def test_withdrawing_the_marketing_consent_is_stamped_and_audited(
    client_in: Client, customer: User
) -> None:
    response = client_in.post(reverse("profile:marketing-withdraw"))
    assert response.status_code == 302
    consent = Consent.objects.get(user=customer, kind=Consent.Kind.MARKETING)
    assert consent.withdrawn_at is not None
    entry = AuditEntry.objects.get(action=Action.CONSENT_WITHDRAWN, actor=customer)
    assert entry.data["kind"] == "marketing"
    assert entry.data["versions"] == ["1"]
    page = client_in.get(reverse("profile:consents")).content.decode()
    assert "Дать согласие на рассылки" in page

    # Giving it again is a new row: the history keeps the withdrawn one.
    client_in.post(reverse("profile:marketing-accept"))
    rows = Consent.objects.filter(user=customer, kind=Consent.Kind.MARKETING)
    assert rows.count() == 2
    assert rows.filter(withdrawn_at__isnull=True).count() == 1


def test_withdrawing_the_personal_data_consent_explains_and_asks_first(
    client_in: Client, customer: User
) -> None:
    url = reverse("profile:personal-data-withdraw")
    page = client_in.get(url).content.decode()
    assert "учётная запись будет закрыта" in page

    response = client_in.post(url, {"current_password": PASSWORD})
    assert response.status_code == 200
    assert "Подтвердите отзыв согласия." in response.content.decode()
    response = client_in.post(url, {"current_password": "wrong", "confirm": "on"})
    assert response.status_code == 200
    assert User.objects.filter(pk=customer.pk).exists()
    assert Consent.objects.get(user=customer, kind="personal_data").withdrawn_at is None


def test_withdrawing_the_personal_data_consent_closes_the_account(
    client_in: Client, customer: User
) -> None:
    account = make_account()
    make_link(customer, account)
    user_id = customer.pk
    response = client_in.post(
        reverse("profile:personal-data-withdraw"),
        {"current_password": PASSWORD, "confirm": "on"},
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=user_id).exists()
    assert not AccountLink.objects.filter(account=account).exists()
    # The journal keeps both acts, under a pseudonym.
    journal = AuditEntry.objects.filter(actor_label=pseudonym(user_id))
    acts = set(journal.values_list("action", flat=True))
    assert {Action.CONSENT_WITHDRAWN, Action.USER_DELETED} <= acts
    withdrawn = journal.get(action=Action.CONSENT_WITHDRAWN)
    assert withdrawn.data["kind"] == "personal_data"
    # Logged out: the profile asks to log in.
    assert client_in.get(reverse("profile:index")).status_code == 302
