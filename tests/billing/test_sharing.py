"""Shared access (seed 000's «add another user's account», done safely): the holder invites a
family member by phone or e-mail, the invitee accepts after logging in with that very phone or
e-mail, the holder sees and revokes who has access, and a member can neither invite further nor
take the holder's access away."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kabinet.billing import services
from kabinet.billing.models import Account, AccountInvitation, AccountLink
from kabinet.core.models import AuditEntry
from kabinet.identity.models import User
from kabinet.messaging.models import OutgoingMessage
from tests.factories import (
    make_account,
    make_customer,
    make_email_customer,
    make_link,
    make_premises,
    make_supplier,
)

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r"/accounts/invitations/([\w-]+)/")


@pytest.fixture
def account() -> Account:
    return make_account(
        make_supplier(short_name="ТЭСК"),
        number="770011",
        premises=make_premises(address="г. Тамбов, ул. Мичуринская, д. 5, кв. 12"),
    )


@pytest.fixture
def holder(account: Account) -> User:
    user = make_customer(first_name="Анна", last_name="Смирнова")
    make_link(user, account)
    return user


@pytest.fixture
def relative() -> User:
    return make_customer(first_name="Олег", last_name="Смирнов", phone="+79161112233")


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def last_token(to: str) -> str:
    message = OutgoingMessage.objects.filter(to=to).latest("pk")
    found = TOKEN_RE.search(message.body)
    assert found, message.body
    return found.group(1)


def invite(holder: User, account: Account, address: str) -> str:
    response = signed_in(holder).post(
        reverse("accounts:access", args=[account.pk]), {"address": address}
    )
    assert response.status_code == 302, response.content.decode()
    return last_token(
        address.lower() if "@" in address else "+7" + re.sub(r"\D", "", address)[-10:]
    )


def test_holder_invites_by_phone_and_the_relative_accepts(
    holder: User, relative: User, account: Account
) -> None:
    token = invite(holder, account, "8 (916) 111-22-33")
    sms = OutgoingMessage.objects.get(to="+79161112233")
    assert sms.channel == OutgoingMessage.Channel.SMS
    assert "Анна приглашает вас" in sms.body
    assert "770011" in sms.body

    client = signed_in(relative)
    page = client.get(reverse("accounts:invitation", args=[token]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Мичуринская" in text
    assert "Принять приглашение" in text

    response = client.post(
        reverse("accounts:invitation", args=[token]), {"relation": AccountLink.Relation.RESIDENT}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:overview", args=[account.pk])
    member = AccountLink.objects.get(user=relative, account=account)
    assert member.granted_by == AccountLink.objects.get(user=holder)
    assert member.relation == AccountLink.Relation.RESIDENT
    assert client.get(reverse("accounts:charges", args=[account.pk])).status_code == 200
    invitation = AccountInvitation.objects.get()
    assert invitation.status == AccountInvitation.Status.ACCEPTED
    assert invitation.accepted_link == member
    assert AuditEntry.objects.filter(action="billing.account_invitation_accepted").count() == 1

    # The link was used: a second click (or anyone holding it) gets nothing.
    again = client.get(reverse("accounts:invitation", args=[token]))
    assert again.status_code == 404
    assert "Приглашение недействительно" in again.content.decode()


def test_an_e_mail_invitation_accepts_only_with_that_confirmed_address(
    holder: User, account: Account
) -> None:
    token = invite(holder, account, "Olga@Example.org")
    email = OutgoingMessage.objects.get(to="olga@example.org")
    assert email.channel == OutgoingMessage.Channel.EMAIL
    assert "770011" in email.subject

    stranger = make_email_customer("someone@example.org")
    page = signed_in(stranger).get(reverse("accounts:invitation", args=[token]))
    assert page.status_code == 404
    text = page.content.decode()
    assert "Приглашение отправлено на другой телефон или e-mail" in text
    assert "Мичуринская" not in text, "the account is shown only to its invitee"

    unconfirmed = make_email_customer("olga@example.org", confirmed=False)
    refused = signed_in(unconfirmed).post(
        reverse("accounts:invitation", args=[token]), {"relation": "resident"}
    )
    assert refused.status_code == 404
    assert not AccountLink.objects.filter(user=unconfirmed).exists()

    unconfirmed.email_confirmed_at = unconfirmed.date_joined
    unconfirmed.save()
    accepted = signed_in(unconfirmed).post(
        reverse("accounts:invitation", args=[token]), {"relation": "owner"}
    )
    assert accepted.status_code == 302
    assert AccountLink.objects.get(user=unconfirmed).granted_by is not None


def test_anonymous_invitee_is_sent_to_log_in_and_back(holder: User, account: Account) -> None:
    token = invite(holder, account, "+79161112233")
    url = reverse("accounts:invitation", args=[token])
    response = Client().get(url)
    assert response.status_code == 302
    assert "next=" in response["Location"]
    assert token in response["Location"]


def test_holder_sees_members_and_invitations_and_revokes_them(
    holder: User, relative: User, account: Account
) -> None:
    token = invite(holder, account, "+79161112233")
    pending_token = invite(holder, account, "aunt@example.org")
    services.accept_invitation(user=relative, token=token, relation="resident")

    client = signed_in(holder)
    page = client.get(reverse("accounts:access", args=[account.pk])).content.decode()
    assert "Смирнов Олег" in page or "Олег Смирнов" in page
    assert "+79161112233" in page
    assert "aunt@example.org" in page

    pending = AccountInvitation.objects.get(email="aunt@example.org")
    client.post(reverse("accounts:revoke_invitation", args=[account.pk, pending.pk]))
    pending.refresh_from_db()
    assert pending.status == AccountInvitation.Status.REVOKED
    aunt = make_email_customer("aunt@example.org")
    with pytest.raises(services.SharingError) as error:
        services.accept_invitation(user=aunt, token=pending_token, relation="resident")
    assert error.value.code == "invitation_invalid"

    member = AccountLink.objects.get(user=relative)
    response = client.post(reverse("accounts:revoke_member", args=[account.pk, member.pk]))
    assert response.status_code == 302
    assert not AccountLink.objects.filter(user=relative).exists()
    assert (
        signed_in(relative).get(reverse("accounts:overview", args=[account.pk])).status_code == 404
    )
    assert AuditEntry.objects.filter(action="billing.account_access_revoked").count() == 1


def test_a_member_cannot_invite_nor_revoke_the_holder(
    holder: User, relative: User, account: Account
) -> None:
    token = invite(holder, account, "+79161112233")
    services.accept_invitation(user=relative, token=token, relation="resident")
    client = signed_in(relative)

    page = client.get(reverse("accounts:access", args=[account.pk])).content.decode()
    assert "Доступ к этому лицевому счёту вам предоставил(а)" in page
    assert "Отправить приглашение" not in page
    refused = client.post(
        reverse("accounts:access", args=[account.pk]), {"address": "cousin@example.org"}
    )
    assert refused.status_code == 403
    assert not OutgoingMessage.objects.filter(to="cousin@example.org").exists()
    with pytest.raises(services.SharingError) as error:
        services.invite_to_account(
            link=AccountLink.objects.get(user=relative), address="cousin@example.org"
        )
    assert error.value.code == "not_holder"

    holder_link = AccountLink.objects.get(user=holder)
    assert (
        client.post(
            reverse("accounts:revoke_member", args=[account.pk, holder_link.pk])
        ).status_code
        == 404
    )
    assert AccountLink.objects.filter(pk=holder_link.pk).exists()


def test_someone_else_cannot_touch_the_access_page(
    holder: User, relative: User, account: Account
) -> None:
    invite(holder, account, "aunt@example.org")
    invitation = AccountInvitation.objects.get()
    stranger = signed_in(relative)
    assert stranger.get(reverse("accounts:access", args=[account.pk])).status_code == 404
    revoke = reverse("accounts:revoke_invitation", args=[account.pk, invitation.pk])
    assert stranger.post(revoke).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == AccountInvitation.Status.PENDING


def test_unlinking_the_holder_ends_the_access_they_lent(
    holder: User, relative: User, account: Account
) -> None:
    token = invite(holder, account, "+79161112233")
    services.accept_invitation(user=relative, token=token, relation="resident")
    client = signed_in(holder)
    warning = client.get(reverse("accounts:unlink", args=[account.pk])).content.decode()
    assert "закроется и для 1 человека" in warning
    client.post(reverse("accounts:unlink", args=[account.pk]))
    assert not AccountLink.objects.filter(account=account).exists()


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("не телефон", "invalid_address"),
        ("+79160000000", "own_address"),
    ],
)
def test_bad_addresses_are_refused_next_to_the_field(
    holder: User, account: Account, address: str, code: str
) -> None:
    holder.phone = "+79160000000"
    holder.save()
    response = signed_in(holder).post(
        reverse("accounts:access", args=[account.pk]), {"address": address}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["address"]
    assert not AccountInvitation.objects.exists()
    assert not OutgoingMessage.objects.exists()


def test_inviting_an_existing_member_is_refused(
    holder: User, relative: User, account: Account
) -> None:
    token = invite(holder, account, "+79161112233")
    services.accept_invitation(user=relative, token=token, relation="resident")
    with pytest.raises(services.SharingError) as error:
        services.invite_to_account(
            link=AccountLink.objects.get(user=holder), address="+79161112233"
        )
    assert error.value.code == "already_member"


def test_pending_and_daily_limits(holder: User, account: Account, settings: Any) -> None:
    link = AccountLink.objects.get(user=holder)
    for n in range(services.PENDING_INVITATIONS_PER_LINK):
        services.invite_to_account(link=link, address=f"r{n}@example.org")
    with pytest.raises(services.SharingError) as error:
        services.invite_to_account(link=link, address="more@example.org")
    assert error.value.code == "too_many_pending"
    AccountInvitation.objects.update(status=AccountInvitation.Status.REVOKED)
    for n in range(services.INVITATIONS_PER_DAY - services.PENDING_INVITATIONS_PER_LINK):
        services.invite_to_account(link=link, address=f"s{n}@example.org")
    AccountInvitation.objects.update(status=AccountInvitation.Status.REVOKED)
    with pytest.raises(services.SharingError) as error:
        services.invite_to_account(link=link, address="late@example.org")
    assert error.value.code == "throttled"


def test_an_expired_invitation_opens_nothing(
    holder: User, relative: User, account: Account
) -> None:
    token = invite(holder, account, "+79161112233")
    AccountInvitation.objects.update(expires_at="2020-01-01T00:00Z")
    with pytest.raises(services.SharingError) as error:
        services.accept_invitation(user=relative, token=token, relation="resident")
    assert error.value.code == "invitation_invalid"


def test_deleting_the_invitee_deletes_invitations_sent_to_them(
    holder: User, relative: User, account: Account
) -> None:
    from kabinet.billing import personal_data

    invite(holder, account, "+79161112233")
    personal_data.erase_personal_data(user=relative)
    assert not AccountInvitation.objects.exists()


def test_the_group_step_keeps_the_address_as_the_default_and_groups_the_list(
    holder: User, account: Account
) -> None:
    """Seed 004: «предложение выбрать группу для ЛС», by default the address of the premises."""
    client = signed_in(holder)
    url = reverse("accounts:group", args=[account.pk])
    page = client.get(url).content.decode()
    assert 'value="г. Тамбов, ул. Мичуринская, д. 5, кв. 12"' in page
    client.post(url, {"group": "г. Тамбов, ул. Мичуринская, д. 5, кв. 12"})
    assert AccountLink.objects.get(user=holder).group == ""
    other = make_account(make_supplier(short_name="Водоканал"), number="5")
    make_link(holder, other)
    client.post(reverse("accounts:group", args=[other.pk]), {"group": "Дача"})
    assert AccountLink.objects.get(user=holder, account=other).group == "Дача"
    listing = client.get(reverse("accounts:list")).content.decode()
    assert (
        '<th scope="rowgroup" colspan="5" class="small text-uppercase text-body-secondary">Дача'
        in (listing)
    )
    assert listing.count('scope="rowgroup"') == 2
