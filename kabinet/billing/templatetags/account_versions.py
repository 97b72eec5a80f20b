"""Keys for markup cached under the data versions of the accounts it shows (billing.versions)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from kabinet.billing import selectors
from kabinet.billing.models import AccountLink

register = template.Library()


@register.filter
def link_versions(links: Iterable[AccountLink]) -> str:
    """The links' ids with their accounts' versions: what the «Ваши счета» list is built from,
    since a link's own settings and its account's rows all move the account's version."""
    return " ".join(f"{link.pk}.{link.account.data_version}" for link in links)


@register.filter
def grouped(links: list[AccountLink]) -> list[selectors.LinkGroup]:
    """The links under their group titles, as «Ваши счета» lists them."""
    return selectors.grouped_links(list(links))
