"""«Квитанции и рассылки» in the profile: e-mail or paper per linked account, and mailings per
supplier and channel, only for the customer's own accounts and suppliers."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from kabinet.billing.models import AccountLink, MarketingSubscription, Supplier
from kabinet.billing.services import LinkError, set_paperless
from kabinet.core.audit import Action
from kabinet.core.models import AuditEntry
from kabinet.identity.models import Consent, User
from tests.factories import make_account, make_customer, make_link, make_supplier

pytestmark = pytest.mark.django_db

URL = "/profile/settings/"


def _checked(page: str, account_id: int) -> str:
    """The value of the ticked radio of an account's row."""
    found = re.findall(rf'name="account_{account_id}" value="(\w+)"[^>]*\schecked', page)
    assert len(found) == 1
    return found[0]


@pytest.fixture
def supplier() -> Supplier:
    return make_supplier(short_name="ТЭСК", name="ПАО «Тамбовская энергосбытовая компания»")


def test_the_page_is_the_portals_and_in_the_profile_menu(client_in: Client) -> None:
    assert reverse("portal:profile_settings") == URL
    assert f'href="{URL}"' in client_in.get(reverse("profile:index")).content.decode()


def test_every_linked_account_is_a_row_with_e_mail_or_paper(
    client_in: Client, customer: User, supplier: Supplier
) -> None:
    paper = make_link(customer, make_account(supplier))
    email = make_link(customer, make_account(supplier), paperless=True)
    make_link(make_customer(), make_account(supplier))  # someone else's
    page = client_in.get(URL).content.decode()
    assert page.count('data-testid="paperless-') == 2
    assert _checked(page, paper.account_id) == "paper"
    assert _checked(page, email.account_id) == "email"

    response = client_in.post(
        URL,
        {
            "form": "paperless",
            f"account_{paper.account_id}": "email",
            f"account_{email.account_id}": "email",
        },
    )
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.paperless
    entry = AuditEntry.objects.get(action=Action.LINK_UPDATED)
    assert entry.data == {"paperless": True}


def test_a_missing_choice_is_shown_next_to_its_row(
    client_in: Client, customer: User, supplier: Supplier
) -> None:
    link = make_link(customer, make_account(supplier))
    response = client_in.post(URL, {"form": "paperless", f"account_{link.account_id}": "fax"})
    assert response.status_code == 200
    assert "Выберите корректный вариант." in response.content.decode()


def test_someone_elses_account_cannot_be_switched(customer: User, supplier: Supplier) -> None:
    theirs = make_link(make_customer(), make_account(supplier))
    with pytest.raises(LinkError):
        set_paperless(user=customer, choices={theirs.account_id: True})
    theirs.refresh_from_db()
    assert not theirs.paperless


def test_mailings_per_supplier_need_the_consent_ticked_once(
    client_in: Client, customer: User, supplier: Supplier
) -> None:
    make_link(customer, make_account(supplier))
    page = client_in.get(URL).content.decode()
    assert "ПАО «Тамбовская энергосбытовая компания»" in page
    assert 'name="consent"' in page

    field = f"s{supplier.pk}_sms"
    response = client_in.post(URL, {"form": "marketing", field: "on"})
    assert response.status_code == 200
    assert "Чтобы получать рассылки, дайте согласие на их получение." in response.content.decode()
    assert not MarketingSubscription.objects.exists()

    response = client_in.post(URL, {"form": "marketing", field: "on", "consent": "on"})
    assert response.status_code == 302
    assert MarketingSubscription.objects.filter(
        user=customer, supplier=supplier, channel="sms"
    ).exists()
    assert Consent.objects.get(user=customer, kind="marketing").withdrawn_at is None
    assert 'name="consent"' not in client_in.get(URL).content.decode()


def test_another_suppliers_mailing_is_not_offered(
    client_in: Client, customer: User, supplier: Supplier
) -> None:
    make_link(customer, make_account(supplier))
    stranger = make_supplier()
    client_in.post(URL, {"form": "marketing", f"s{stranger.pk}_email": "on", "consent": "on"})
    assert not MarketingSubscription.objects.filter(supplier=stranger).exists()
    assert AccountLink.objects.filter(user=customer).count() == 1
