"""Reads that pages and the API share. Every account-scoped read goes through ``linked_account``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone

from kabinet.billing.models import (
    Account,
    AccountLink,
    Bill,
    BillSection,
    Charge,
    Service,
    Supplier,
    Tariff,
)
from kabinet.core.prepared import PreparedQuery, PreparedRows

# Every account page needs both the link it shows (the ownership check) and the sidebar of all
# the user's links. One query answers both: the links are fetched once per request and kept on the
# request's user object (a user has a handful of links), and the services that change links drop
# the memo. Measured on the overview page: one compiled three-join query instead of two.
_LINKS_MEMO = "_kabinet_linked_accounts"


# Every account page and the readings form read this first (the ownership check and the
# sidebar): it is compiled once per process.
_links_of = PreparedQuery(
    lambda user_id: AccountLink.objects.filter(user_id=user_id).order_by(
        "group", "alias", "created_at"
    ),
    {"user_id": int},
    ["account", "account__premises", "account__supplier", "account__branch"],
)


class LinkList(list[AccountLink]):
    """The user's links in display order. ``version`` changes whenever any column they were read
    from does: it keys the cached «Ваши счета» list of the account pages."""

    version: int | None = None


_ROW_VERSION = "_kabinet_row_version"


def row_version(link: AccountLink) -> int | None:
    """The version of the row ``link`` was read from (with its account, premises, supplier and
    branch), None for a link that did not come from ``linked_accounts``."""
    return getattr(link, _ROW_VERSION, None)


def _user_links(user: Any) -> LinkList:
    links: LinkList | None = getattr(user, _LINKS_MEMO, None)
    if links is None:
        read = _links_of.versioned_each(user_id=user.pk)
        links = LinkList(link for link, _version in read)
        links.version = hash(tuple(version for _link, version in read))
        for link, version in read:
            link.user = user  # services reach the same object through link.user and drop the memo
            setattr(link, _ROW_VERSION, version)
        setattr(user, _LINKS_MEMO, links)
    return links


def forget_links(user: Any) -> None:
    """Called by the services that add, change or remove a link of ``user``."""
    if hasattr(user, _LINKS_MEMO):
        delattr(user, _LINKS_MEMO)


def linked_accounts(user: Any) -> LinkList:
    """The user's links with their accounts, premises and suppliers, in display order."""
    if not user.is_authenticated:
        return LinkList()
    memo = _user_links(user)
    links = LinkList(memo)
    links.version = memo.version
    return links


def linked_account(user: Any, account_id: int) -> AccountLink:
    """The user's link to ``account_id``, or Http404 — the same answer for someone else's account
    and for one that does not exist, so ids cannot be probed."""
    if not user.is_authenticated:
        raise Http404
    for link in _user_links(user):
        if link.account_id == account_id:
            return link
    raise Http404


def account_of(user: Any, account_id: int) -> Account:
    return linked_account(user, account_id).account


# --- Account pages: overview, charges, details (one link in, a fixed number of queries) ---


@dataclass
class Overview:
    link: AccountLink
    bill: Bill | None
    sections: list[BillSection]
    balance: Decimal | None
    due_date: dt.date | None
    days_left: int | None
    # A hash of every column shown (the link's row, the latest bill's) and of the day: it keys
    # the page's cached markup; None when the link's row version is unknown.
    version: int | None = None

    @property
    def debt(self) -> Decimal | None:
        return self.balance if self.balance is not None and self.balance > 0 else None

    @property
    def overpayment(self) -> Decimal | None:
        return -self.balance if self.balance is not None and self.balance < 0 else None


# The latest bill's sections with the bill and supplier joined: one query for the common case.
_latest_sections = PreparedQuery(
    lambda account_id: BillSection.objects.filter(
        bill_id=Subquery(
            Bill.objects.filter(account_id=account_id).order_by("-period").values("pk")[:1]
        )
    ).order_by("supplier__short_name"),
    {"account_id": int},
    ["bill", "supplier"],
)


def account_overview(link: AccountLink, today: dt.date | None = None) -> Overview:
    """The latest bill of the linked account: balance (its total), sections, due date."""
    today = today or timezone.localdate()
    sections, bill_version = _latest_sections.versioned(account_id=link.account_id)
    bill = sections[0].bill if sections else None
    if bill is None:  # a bill without sections, or none at all
        bill = Bill.objects.filter(account_id=link.account_id).order_by("-period").first()
        if bill is not None:
            bill_version = hash(tuple(getattr(bill, f.attname) for f in Bill._meta.concrete_fields))
    link_version = row_version(link)
    due_date = None
    if bill is not None:
        due_date = bill.due_date or min(
            (s.due_date for s in sections if s.due_date is not None), default=None
        )
    return Overview(
        link=link,
        bill=bill,
        sections=sections,
        balance=bill.total if bill is not None else None,
        due_date=due_date,
        days_left=(due_date - today).days if due_date is not None else None,
        version=None if link_version is None else hash((link_version, bill_version, today)),
    )


def latest_bill_totals(account_ids: list[int]) -> dict[int, Decimal]:
    """Balance (the latest bill's total) of each account, in one query."""
    if not account_ids:
        return {}
    latest = Bill.objects.filter(account_id=OuterRef("account_id")).order_by("-period")
    rows = (
        Bill.objects.filter(account_id__in=account_ids)
        .filter(pk=Subquery(latest.values("pk")[:1]))
        .values_list("account_id", "total")
    )
    return dict(rows)


_charge_periods = PreparedRows(
    lambda account_id: (
        Charge.objects.filter(account_id=account_id)
        .order_by("-period")
        .values_list("period")
        .distinct()
    ),
    {"account_id": int},
)


def charge_periods(account_id: int) -> list[dt.date]:
    return [period for (period,) in _charge_periods(account_id=account_id)]


_charges_of = PreparedQuery(
    lambda account_id, period: Charge.objects.filter(account_id=account_id, period=period).order_by(
        "supplier__short_name", "service__sort_order", "service__name", "zone"
    ),
    {"account_id": int, "period": dt.date},
    ["supplier", "service"],
)


MONEY_COLUMNS = (
    "opening_balance",
    "paid",
    "charged",
    "recalculation",
    "benefits",
    "penalties",
    "total",
)


@dataclass
class ChargeLine:
    charge: Charge
    penalties: Decimal

    @property
    def is_penalty(self) -> bool:
        return self.penalties != 0 or self.charge.service.kind == Service.Kind.PENALTY

    @property
    def charged(self) -> Decimal:
        # A penalty line's amount is shown in the penalties column, not as a service charge.
        return Decimal("0.00") if self.is_penalty else self.charge.charged


@dataclass
class SupplierCharges:
    supplier: Supplier
    lines: list[ChargeLine] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class ChargesPage:
    periods: list[dt.date]
    period: dt.date | None
    suppliers: list[SupplierCharges]
    totals: dict[str, Decimal]
    # A hash of the periods and of every column of the charge rows: it keys the page's cached
    # markup, which is built from nothing else (and the account, the language).
    version: int = 0


def _add(totals: dict[str, Decimal], line: ChargeLine) -> None:
    values = {
        "opening_balance": line.charge.opening_balance,
        "paid": line.charge.paid,
        "charged": line.charged,
        "recalculation": line.charge.recalculation,
        "benefits": line.charge.benefits,
        "penalties": line.penalties,
        "total": line.charge.total,
    }
    for name, value in values.items():
        totals[name] = totals.get(name, Decimal("0.00")) + value


def _zero_totals() -> dict[str, Decimal]:
    return dict.fromkeys(MONEY_COLUMNS, Decimal("0.00"))


def account_charges(link: AccountLink, period: dt.date | None = None) -> ChargesPage:
    """Charge lines of one period (default: the latest with charges), grouped by supplier."""
    periods = charge_periods(link.account_id)
    if period is None:
        period = periods[0] if periods else None
    suppliers: dict[int, SupplierCharges] = {}
    grand = _zero_totals()
    rows_version: int | None = None
    if period is not None:
        charges, rows_version = _charges_of.versioned(account_id=link.account_id, period=period)
        for charge in charges:
            is_penalty = charge.service.kind == Service.Kind.PENALTY
            line = ChargeLine(
                charge=charge, penalties=charge.charged if is_penalty else Decimal("0.00")
            )
            group = suppliers.get(charge.supplier_id)
            if group is None:
                group = suppliers[charge.supplier_id] = SupplierCharges(
                    supplier=charge.supplier, totals=_zero_totals()
                )
            group.lines.append(line)
            _add(group.totals, line)
            _add(grand, line)
    return ChargesPage(
        periods=periods,
        period=period,
        suppliers=list(suppliers.values()),
        totals=grand,
        version=hash((tuple(periods), period, rows_version)),
    )


def account_charge(link: AccountLink, charge_id: int) -> Charge:
    """One charge line of the linked account, or Http404."""
    charge = (
        Charge.objects.filter(account_id=link.account_id, pk=charge_id)
        .select_related("supplier", "service")
        .first()
    )
    if charge is None:
        raise Http404
    return charge


@dataclass
class Contract:
    supplier: Supplier
    service: Service
    tariff_code: str
    zone: str
    tariff: Tariff | None
    charged_price: Decimal | None


@dataclass
class Details:
    link: AccountLink
    period: dt.date | None
    contracts: list[Contract]
    tariff_history: list[Tariff]
    meters: list[Any]  # metering.Meter; billing does not import the app above it
    suppliers: list[Supplier]


def account_details(link: AccountLink) -> Details:
    """Owner, premises, contracts with current tariffs, tariff history, meters, requisites."""
    account = link.account
    latest = (
        Charge.objects.filter(account_id=account.pk)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    charges: list[Charge] = []
    if latest is not None:
        charges = list(
            Charge.objects.filter(account_id=account.pk, period=latest)
            .select_related("supplier", "service")
            .order_by("supplier__short_name", "service__sort_order", "service__name", "zone")
        )
    keys = {(c.supplier_id, c.service_id, c.tariff_code) for c in charges}
    tariffs: list[Tariff] = []
    if keys:
        condition = Q()
        for supplier_id, service_id, code in keys:
            condition |= Q(supplier_id=supplier_id, service_id=service_id, code=code)
        tariffs = list(
            Tariff.objects.filter(condition)
            .select_related("supplier", "service")
            .order_by("supplier__short_name", "service__sort_order", "zone", "-valid_from")
        )
    contracts = []
    for charge in charges:
        if charge.service.kind == Service.Kind.PENALTY:
            continue
        current = next(
            (
                t
                for t in tariffs
                if t.supplier_id == charge.supplier_id
                and t.service_id == charge.service_id
                and t.code == charge.tariff_code
                and t.zone == charge.zone
                and latest is not None
                and t.valid_from <= latest
                and (t.valid_to is None or t.valid_to >= latest)
            ),
            None,
        )
        contracts.append(
            Contract(
                supplier=charge.supplier,
                service=charge.service,
                tariff_code=charge.tariff_code,
                zone=charge.zone,
                tariff=current,
                charged_price=charge.tariff,
            )
        )
    suppliers: dict[int, Supplier] = {account.supplier_id: account.supplier}
    for charge in charges:
        suppliers.setdefault(charge.supplier_id, charge.supplier)
    meters = list(
        account.meters.filter(removed_on__isnull=True)
        .select_related("service")
        .order_by("service__sort_order", "serial_number")
    )
    return Details(
        link=link,
        period=latest,
        contracts=contracts,
        tariff_history=tariffs,
        meters=meters,
        suppliers=list(suppliers.values()),
    )
