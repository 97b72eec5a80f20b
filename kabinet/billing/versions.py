"""Data versions: one integer per personal account, bumped by every write that changes what the
account's pages show.

A page's cached markup and its HTTP validator (ETag) are keyed by these integers, never by the
rows themselves: a writer calls ``bump`` in the same transaction as its write, so a reader sees
the new rows and the new version together, in every process and worker. Writers: the importer
(one statement per load, see ``bump_sql``), linking, unlinking and link settings, card payments,
readings, support acts that change what the account shell shows, and staff edits of what the
pages print from reference data (suppliers, branches, premises, services, accounts).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import etag

from kabinet.billing.models import Account, AccountLink, BillSection


def bump(
    *, account_ids: Iterable[int] | None = None, accounts: QuerySet[Account] | None = None
) -> int:
    """Move the version of the given accounts on; how many accounts it moved."""
    if accounts is None:
        ids = sorted(set(account_ids or ()))
        if not ids:
            return 0
        accounts = Account.objects.filter(pk__in=ids)
    return accounts.update(data_version=F("data_version") + 1)


def bump_sql(account_ids_select: str) -> str:
    """The statement that bumps every account whose id the SELECT ``account_ids_select`` returns:
    for the importer, whose loads run as SQL over staging tables."""
    return (
        "UPDATE billing_account SET data_version = data_version + 1 "  # noqa: S608
        f"WHERE id IN ({account_ids_select})"
    )


def bump_supplier(supplier_id: int) -> int:
    """Move on the accounts whose pages show the supplier: its own, and those whose bills have a
    section of it (an agent's bill names every recipient)."""
    sections = BillSection.objects.filter(supplier_id=supplier_id).values("bill__account_id")
    return bump(accounts=Account.objects.filter(Q(supplier_id=supplier_id) | Q(pk__in=sections)))


def bump_all() -> int:
    """Move on every account: for reference data every page may show (a service's name). Staff
    change it rarely; it rewrites one column of every account row."""
    return bump(accounts=Account.objects.all())


def bump_for_user(user_id: int) -> int:
    """Move on the version of every account linked to the user: for writes that change what
    the shell of all the user's account pages shows (the unread-answers badge)."""
    return bump(accounts=Account.objects.filter(links__user_id=user_id))


# Part of every ETag: changing it (a new page layout that the versions do not cover) makes
# every browser fetch its pages again after a deploy.
ETAG_LAYOUT = "1"


def account_etag(request: HttpRequest, account_id: int, **_kwargs: Any) -> str | None:
    """The validator of the account pages and the bill PDF (Django's ``etag`` decorator): the
    versions of every account the user links (the sidebar shows them all), the user, the
    language, the day (due-date countdowns), the CSRF cookie the page's forms carry and the
    URL (a period filter).

    None, so the page is rendered and sent in full, for a request that is not a logged-in
    user's own account or that has flash messages waiting to be shown.
    """
    user = request.user
    if not user.is_authenticated or len(messages.get_messages(request)):
        return None
    links = list(
        AccountLink.objects.filter(user_id=user.pk)
        .order_by("pk")
        .values_list("pk", "account_id", "account__data_version")
    )
    if all(linked != account_id for _pk, linked, _version in links):
        return None  # the view answers 404
    material = [
        ETAG_LAYOUT,
        user.pk,
        str(user),
        translation.get_language(),
        timezone.localdate().isoformat(),
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
        request.get_full_path(),
        links,
    ]
    return hashlib.sha256(repr(material).encode()).hexdigest()[:32]


def revalidated(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """An account page (or file) that the browser keeps but asks about each time: answered
    304 Not Modified, without rendering, while ``account_etag`` is the same."""
    return cache_control(private=True, no_cache=True)(etag(account_etag)(view))
