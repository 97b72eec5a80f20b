"""Reads that pages and the API share. Every account-scoped read goes through ``linked_account``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.billing.models import (
    Account,
    AccountInvitation,
    AccountLink,
    Bill,
    BillSection,
    Charge,
    Service,
    Supplier,
    Tariff,
    zone_number,
    zone_title,
)
from kabinet.billing.pending import (
    NOTHING,
    Pending,
    after_pending,
    cutoff_of,
    newest_bills,
    pending_for,
    pending_payments,
)
from kabinet.core.money import format_rubles
from kabinet.core.periods import format_period, period_of
from kabinet.core.timeline import Event, Line, month_in_sentence

# What every page that shows a link needs with it: the sidebar prints the account, its premises
# and supplier; the API and the readings pages read the branch.
_LINK_RELATED = ("account__premises", "account__supplier", "account__branch")


def _links_of(user: Any) -> QuerySet[AccountLink]:
    """The user's links in display order (the sidebar's and the accounts list's)."""
    return AccountLink.objects.filter(user_id=user.pk).order_by("group", "alias", "created_at")


def linked_accounts(user: Any) -> list[AccountLink]:
    """The user's links with their accounts, premises and suppliers, in display order."""
    if not user.is_authenticated:
        return []
    return list(_links_of(user).select_related(*_LINK_RELATED))


@dataclass
class LinkGroup:
    title: str
    links: list[AccountLink]


def grouped_links(links: list[AccountLink]) -> list[LinkGroup]:
    """«Ваши счета» by group (seed 004), groups in the order of their first link."""
    groups: dict[str, LinkGroup] = {}
    for link in links:
        title = link.group_title
        groups.setdefault(title, LinkGroup(title=title, links=[])).links.append(link)
    return list(groups.values())


def linked_account(user: Any, account_id: int) -> AccountLink:
    """The user's link to ``account_id``, or Http404 — the same answer for someone else's account
    and for one that does not exist, so ids cannot be probed."""
    if not user.is_authenticated:
        raise Http404
    link = (
        AccountLink.objects.filter(user_id=user.pk, account_id=account_id)
        .select_related(*_LINK_RELATED)
        .first()
    )
    if link is None:
        raise Http404
    link.user = user
    return link


# What the account shell (the «Ваши счета» list, the page titles) and the overview, charges and
# bill list print of a link and its account: the query reads only these columns.
SHELL_FIELDS = (
    "user_id",
    "alias",
    "group",
    "note",
    "relation",
    "created_at",
    "account__number",
    "account__number_display",
    "account__status",
    "account__data_version",
    "account__premises__address",
    "account__supplier__short_name",
    # The overview's pending payments: the newest bill's cutoff is in the supplier's zone.
    "account__supplier__time_zone",
)


def link_and_sidebar(user: Any, account_id: int) -> tuple[AccountLink, list[AccountLink]]:
    """What the overview, charges and bill list need besides their own rows: the user's link to
    ``account_id`` (Http404 as in ``linked_account``) and all the user's links, in one query
    of the columns they print (``SHELL_FIELDS``)."""
    if not user.is_authenticated:
        raise Http404
    links = list(
        _links_of(user).select_related("account__premises", "account__supplier").only(*SHELL_FIELDS)
    )
    for link in links:
        if link.account_id == account_id:
            link.user = user
            return link, links
    raise Http404


def account_of(user: Any, account_id: int) -> Account:
    return linked_account(user, account_id).account


# --- Account pages: overview, charges, details (one link in, a fixed number of queries) ---


class Overview:
    """The latest bill of the linked account: balance (its total), sections, due date.

    Each value is read on first use, so a page whose markup for this account version is cached
    (see the templates' ``{% cache %}`` blocks) reads none of them.
    """

    def __init__(self, link: AccountLink, today: dt.date) -> None:
        self.link = link
        self.today = today

    @cached_property
    def sections(self) -> list[BillSection]:
        # The latest bill's sections with the bill and supplier joined: one query for the
        # common case, a second (``bill``) only for a bill without sections or none at all.
        latest = Bill.objects.filter(account_id=self.link.account_id).order_by("-period")
        return list(
            BillSection.objects.filter(bill_id=Subquery(latest.values("pk")[:1]))
            .select_related("bill", "supplier")
            .order_by("supplier__short_name")
        )

    @cached_property
    def bill(self) -> Bill | None:
        if self.sections:
            return self.sections[0].bill
        return Bill.objects.filter(account_id=self.link.account_id).order_by("-period").first()

    @property
    def balance(self) -> Decimal | None:
        """What the newest bill says: billing's balance, before pending portal payments."""
        return self.bill.total if self.bill is not None else None

    @cached_property
    def pending(self) -> Pending:
        """Portal payments not yet in the newest bill (``billing.pending``)."""
        zone = self.link.account.supplier.time_zone
        return pending_for(self.link.account_id, cutoff_of(self.bill, zone))

    @property
    def remaining(self) -> Decimal | None:
        """The bill's balance less the pending payments: what the page asks to pay."""
        return after_pending(self.balance, self.pending)

    @property
    def due_date(self) -> dt.date | None:
        if self.bill is None:
            return None
        return self.bill.due_date or min(
            (s.due_date for s in self.sections if s.due_date is not None), default=None
        )

    @property
    def days_left(self) -> int | None:
        return (self.due_date - self.today).days if self.due_date is not None else None

    @property
    def debt(self) -> Decimal | None:
        remaining = self.remaining
        return remaining if remaining is not None and remaining > 0 else None

    @property
    def overpayment(self) -> Decimal | None:
        remaining = self.remaining
        return -remaining if remaining is not None and remaining < 0 else None


def account_overview(link: AccountLink, today: dt.date | None = None) -> Overview:
    return Overview(link, today or timezone.localdate())


@dataclass(frozen=True)
class Balance:
    """An account's line in «Ваши счета»: its newest bill's total and its pending payments."""

    billed: Decimal | None
    pending: Pending = NOTHING

    @property
    def remaining(self) -> Decimal | None:
        return after_pending(self.billed, self.pending)


def balances(account_ids: list[int]) -> dict[int, Balance]:
    """The balance of each account, pending portal payments included; two queries."""
    bills = {bill["account_id"]: bill for bill in newest_bills(account_ids)}
    cutoffs = {
        account_id: bills[account_id]["cutoff"] if account_id in bills else None
        for account_id in account_ids
    }
    pending = pending_payments(cutoffs)
    return {
        account_id: Balance(
            bills[account_id]["total"] if account_id in bills else None,
            pending.get(account_id, NOTHING),
        )
        for account_id in account_ids
    }


def due_dates(account_ids: list[int]) -> dict[int, dt.date]:
    """The «оплатить до» of each account's newest bill, in one query: the bill's own date or,
    when billing gave only its sections' dates, the earliest of them (as the overview shows).
    Accounts without a bill or a due date are left out."""
    if not account_ids:
        return {}
    newest = Bill.objects.filter(account_id=OuterRef("account_id")).order_by("-period")
    rows = (
        Bill.objects.filter(account_id__in=account_ids, pk=Subquery(newest.values("pk")[:1]))
        .annotate(section_due=Min("sections__due_date"))
        .values_list("account_id", "due_date", "section_due")
    )
    return {
        account_id: due or section_due
        for account_id, due, section_due in rows
        if (due or section_due) is not None
    }


def bill_suppliers(account_ids: list[int]) -> dict[int, list[str]]:
    """The suppliers on each account's newest bill (a payment agent's bill has several), by
    name, in one query. Accounts without a bill are left out."""
    if not account_ids:
        return {}
    newest = Bill.objects.filter(account_id=OuterRef("bill__account_id")).order_by("-period")
    rows = (
        BillSection.objects.filter(
            bill__account_id__in=account_ids, bill_id=Subquery(newest.values("pk")[:1])
        )
        .order_by("supplier__short_name")
        .values_list("bill__account_id", "supplier__short_name")
    )
    found: dict[int, list[str]] = {}
    for account_id, name in rows:
        found.setdefault(account_id, []).append(name)
    return found


def latest_bill_totals(account_ids: list[int]) -> dict[int, Decimal]:
    """Balance (the latest bill's total) of each account, in one query."""
    return {bill["account_id"]: bill["total"] for bill in newest_bills(account_ids)}


def charge_periods(account_id: int) -> list[dt.date]:
    return list(
        Charge.objects.filter(account_id=account_id)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()
    )


MONEY_COLUMNS = (
    "opening_balance",
    "paid",
    "charged",
    "surcharge",
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

    @property
    def zone(self) -> str:
        """«T1 пик»: the zone as the bill labels it, "" for a single-rate line."""
        return zone_title(self.charge.zone)


@dataclass
class SupplierCharges:
    supplier: Supplier
    lines: list[ChargeLine] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)


class ChargesPage:
    """Charge lines of one period (default: the latest with charges), grouped by supplier.

    Read on first use, like ``Overview``.
    """

    def __init__(self, account_id: int, period: dt.date | None) -> None:
        self.account_id = account_id
        self.asked = period

    @cached_property
    def periods(self) -> list[dt.date]:
        return charge_periods(self.account_id)

    @cached_property
    def period(self) -> dt.date | None:
        if self.asked is not None:
            return self.asked
        return self.periods[0] if self.periods else None

    @property
    def options(self) -> list[tuple[str, dt.date]]:
        """The period selector's (value, period) pairs."""
        return [(format_period(p), p) for p in self.periods]

    @property
    def period_value(self) -> str:
        return format_period(self.period) if self.period else ""

    @cached_property
    def _grouped(self) -> tuple[list[SupplierCharges], dict[str, Decimal]]:
        suppliers: dict[int, SupplierCharges] = {}
        grand = _zero_totals()
        if self.period is None:
            return [], grand
        charges = (
            Charge.objects.filter(account_id=self.account_id, period=self.period)
            .select_related("supplier", "service")
            .order_by("supplier__short_name", "service__sort_order", "service__name")
        )
        # Zones in T order (T1 пик, T2 ночь, T3 полупик) as on the bill, not by the code's
        # spelling; sorted() keeps the database's order otherwise.
        for charge in sorted(charges, key=_service_and_zone):
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
        return list(suppliers.values()), grand

    @property
    def suppliers(self) -> list[SupplierCharges]:
        return self._grouped[0]

    @property
    def totals(self) -> dict[str, Decimal]:
        return self._grouped[1]

    @property
    def has_surcharge(self) -> bool:
        """Billing sent an increasing-coefficient surcharge: the page gives it a column, as the
        bill does, so that every row adds up to its «К оплате»."""
        return self.totals["surcharge"] != 0 or any(
            line.charge.surcharge for group in self.suppliers for line in group.lines
        )


def _service_and_zone(charge: Charge) -> tuple[str, int, int, str, int]:
    return (
        charge.supplier.short_name,
        charge.supplier_id,
        charge.service.sort_order,
        charge.service.name,
        zone_number(charge.zone),
    )


def _add(totals: dict[str, Decimal], line: ChargeLine) -> None:
    values = {
        "opening_balance": line.charge.opening_balance,
        "paid": line.charge.paid,
        "charged": line.charged,
        "surcharge": line.charge.surcharge,
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
    return ChargesPage(link.account_id, period)


class ChargesHistory:
    """Seed 000's «История начислений»: the charges of the ``months`` periods with charges up to
    ``until`` (default the latest), newest first, each a ``ChargesPage`` of its own whose rows
    and totals add up as on the one-period page. Months are not added together: each month's
    «К оплате» already carries the debt of the months before it."""

    def __init__(self, account_id: int, until: dt.date | None, months: int) -> None:
        self.account_id = account_id
        self.until = until
        self.months = months

    @cached_property
    def pages(self) -> list[ChargesPage]:
        periods = charge_periods(self.account_id)
        if self.until is not None:
            periods = [p for p in periods if p <= self.until]
        return [ChargesPage(self.account_id, period) for period in periods[: self.months]]


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


def charge_tariff(charge: Charge) -> Tariff | None:
    """The tariff a charge line was priced by, as the customer should read it (its name), or
    None when billing sent a code it never described. The code itself means nothing to a
    customer («gas») and is never shown."""
    if not charge.tariff_code:
        return None
    return (
        Tariff.objects.filter(
            supplier_id=charge.supplier_id,
            service_id=charge.service_id,
            code=charge.tariff_code,
            zone=charge.zone,
            valid_from__lte=charge.period,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=charge.period))
        .order_by("-valid_from")
        .first()
    )


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


# Seed 003 (Рис. 32): «Список счётчиков» for a period. Months back from today; None: the meters
# in place now.
METER_PERIODS = {"3": 3, "6": 6, "12": 12, "all": None}


def account_details(link: AccountLink, *, meters_since: dt.date | None = None) -> Details:
    """Owner, premises, contracts with current tariffs, tariff history, meters, requisites.

    The meters are those in place now, or with ``meters_since`` also those removed since then
    (their «Дата снятия» shown)."""
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
    in_place = Q(removed_on__isnull=True)
    if meters_since is not None:
        in_place |= Q(removed_on__gte=meters_since)
    meters = list(
        account.meters.filter(in_place)
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


# --- Shared access ---------------------------------------------------------------------------


@dataclass
class Access:
    """Who shares an account with the user of ``link``: for a holder, the members they let in
    and the invitations still waiting; for a member, the holder who let them in."""

    link: AccountLink
    members: list[AccountLink]
    invitations: list[AccountInvitation]

    @property
    def is_holder(self) -> bool:
        return self.link.granted_by_id is None

    @property
    def holder_name(self) -> str:
        granted_by = self.link.granted_by
        return str(granted_by.user) if granted_by is not None else ""

    def address_of(self, member: AccountLink) -> str:
        """The phone or e-mail the member was invited at ("" once the invitation is gone)."""
        try:
            return member.accepted_invitation.address
        except AccountInvitation.DoesNotExist:
            return ""


def account_access(link: AccountLink) -> Access:
    if link.granted_by_id is not None:
        holder = AccountLink.objects.select_related("user").get(pk=link.granted_by_id)
        link.granted_by = holder
        return Access(link=link, members=[], invitations=[])
    members = list(
        link.granted_links.select_related("user", "accepted_invitation").order_by("created_at")
    )
    invitations = list(
        link.invitations.filter(
            status=AccountInvitation.Status.PENDING, expires_at__gt=timezone.now()
        ).order_by("created_at")
    )
    return Access(link=link, members=members, invitations=invitations)


def pending_invitation(link: AccountLink, invitation_id: int) -> AccountInvitation:
    """An invitation the holder of ``link`` sent and may revoke, else Http404."""
    invitation = (
        link.invitations.filter(pk=invitation_id, status=AccountInvitation.Status.PENDING)
        .select_related("link__user", "link__account")
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation


def granted_link(link: AccountLink, member_link_id: int) -> AccountLink:
    """A member's link that the holder of ``link`` lent, else Http404: nobody else's link (the
    holder's own included) can be reached this way."""
    member = (
        link.granted_links.filter(pk=member_link_id)
        .select_related("granted_by__user", "account")
        .first()
    )
    if member is None:
        raise Http404
    return member


# --- «Все события» (kabinet/core/timeline.py) ---------------------------------------------------


def _period_service_and_zone(charge: Charge) -> tuple[dt.date, int, int, str, int]:
    return (
        charge.period,
        charge.supplier_id,
        charge.service.sort_order,
        charge.service.name,
        zone_number(charge.zone),
    )


def bill_events(link: AccountLink, start: dt.date, end: dt.date) -> list[Event]:
    """The bills of the periods ``start``..``end``: the general information of the bill and,
    per recipient, what its section asks with the service lines under it (the seed's
    «Детализация»); three queries."""
    sections = BillSection.objects.select_related("supplier").order_by("supplier__short_name")
    bills = list(
        Bill.objects.filter(
            account_id=link.account_id, period__gte=period_of(start), period__lte=end
        )
        .prefetch_related(Prefetch("sections", queryset=sections))
        .order_by("-period")
    )
    services: dict[tuple[dt.date, int], list[Line]] = {}
    charges = Charge.objects.filter(
        account_id=link.account_id, period__in=[bill.period for bill in bills]
    ).select_related("service")
    # Service lines in the bill's order, zones by their T-number as the bill prints them.
    for charge in sorted(charges, key=_period_service_and_zone):
        label = " ".join(filter(None, (charge.service.name, zone_title(charge.zone))))
        services.setdefault((charge.period, charge.supplier_id), []).append(
            Line(f"— {label}", format_rubles(charge.total))
        )
    events = []
    for bill in bills:
        owed = bill.total
        lines = [
            Line(
                str(_("Долг (+) / аванс (−) на начало периода")),
                format_rubles(bill.opening_balance),
            ),
            Line(str(_("Всего начислено за период")), format_rubles(bill.charged)),
        ]
        if bill.recalculation:
            lines.append(Line(str(_("Перерасчёт")), format_rubles(bill.recalculation)))
        if bill.benefits:
            lines.append(Line(str(_("Льготы и субсидии")), format_rubles(bill.benefits)))
        if bill.penalties:
            lines.append(Line(str(_("Пени")), format_rubles(bill.penalties)))
        lines.append(
            Line(str(_("Поступившие платежи, учтённые при расчёте")), format_rubles(bill.paid))
        )
        lines.append(
            Line(
                str(_("Итого к оплате") if owed >= 0 else _("Итого переплата")),
                format_rubles(owed, sign=False),
            )
        )
        if bill.due_date:
            lines.append(Line(str(_("Оплатить до")), f"{bill.due_date:%d.%m.%Y}"))
        events.append(
            Event(
                kind="bill",
                day=bill.issued_on or bill.period,
                period=bill.period,
                title=_("Квитанция за %(month)s") % {"month": month_in_sentence(bill.period)},
                ref=bill.pk,
                text=bill.number and _("№ %(number)s") % {"number": bill.number},
                amount=owed,
                lines=tuple(lines),
                parts=tuple(
                    line
                    for section in bill.sections.all()
                    for line in (
                        Line(section.supplier.short_name, format_rubles(section.total)),
                        *services.get((bill.period, section.supplier_id), ()),
                    )
                ),
                bill_id=bill.pk,
            )
        )
    return events
