"""What billing keeps about a person: their links to accounts (see kabinet.core.personal_data).

Accounts, charges and bills are the utility's, loaded from its billing system: the owner's name
on an account is billing's record, not the login's, and stays. The person's links (with the
names they gave their flats) are only theirs and go.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from kabinet.billing import versions
from kabinet.billing.models import AccountInvitation, AccountLink, MarketingSubscription
from kabinet.core.personal_data import plain
from kabinet.identity.models import User

COVERS = {
    "billing.AccountLink.user": "deleted: the person's links to accounts",
    "billing.AccountLink.alias": "deleted with the link",
    "billing.AccountLink.note": "deleted with the link",
    "billing.AccountLink.granted_by": "deleted with the holder's link: lent access ends with it",
    "billing.AccountInvitation.phone": "deleted with the inviter's links and with the invitee",
    "billing.AccountInvitation.email": "deleted with the inviter's links and with the invitee",
    "billing.MarketingSubscription.user": "deleted: the person's mailing choices",
    "billing.ImportBatch.user": "a staff member's import: kept, only the pointer goes",
    "billing.Account.owner_name": "billing's record of the account holder: kept, re-imported",
    "billing.Supplier.phone": "the supplier's own contact, not a person's",
    "billing.Supplier.email": "the supplier's own contact, not a person's",
    "billing.Branch.phone": "the branch's own contact, not a person's",
}


def export_personal_data(*, user: User) -> dict[str, Any]:
    links = AccountLink.objects.filter(user=user).select_related("account__supplier")
    return {
        "account_links": [
            {
                "account": link.account.number_display or link.account.number,
                "supplier": link.account.supplier.short_name,
                "relation": link.relation,
                "alias": link.alias,
                "group": link.group,
                "note": link.note,
                "paperless": link.paperless,
                "created_at": plain(link.created_at),
            }
            for link in links.order_by("created_at", "pk")
        ],
        "account_invitations_sent": [
            {
                "account": invitation.link.account.number,
                "to": invitation.address,
                "status": invitation.status,
                "created_at": plain(invitation.created_at),
            }
            for invitation in AccountInvitation.objects.filter(link__user=user)
            .select_related("link__account")
            .order_by("created_at", "pk")
        ],
        "marketing_subscriptions": [
            {
                "supplier": subscription.supplier.short_name,
                "channel": subscription.channel,
                "created_at": plain(subscription.created_at),
            }
            for subscription in MarketingSubscription.objects.filter(user=user)
            .select_related("supplier")
            .order_by("created_at", "pk")
        ],
    }


def erase_personal_data(*, user: User) -> None:
    # Invitations the person sent go with their links (cascade); the ones sent to them go too.
    addressed = Q(pk__in=[])
    if user.phone:
        addressed |= Q(phone=user.phone)
    if user.email:
        addressed |= Q(email=user.email)
    AccountInvitation.objects.filter(addressed).delete()
    MarketingSubscription.objects.filter(user=user).delete()
    links = AccountLink.objects.filter(user=user)
    account_ids = list(links.values_list("account_id", flat=True))
    links.delete()
    # Other users of the same account see who else is linked on its pages.
    versions.bump(account_ids=account_ids)
