"""What the home page and the API's home summary show of each linked account.

A card per account: its balance with portal payments taken into account, the due date and the
days left, the readings window of each supplier whose meters the customer reads, and the one or
two next actions. It lives in metering because metering is the lowest app that knows both the
balances (billing) and the readings windows; portal and api, which may not import each other,
compose it. No new balance maths: the balance is ``billing.selectors.balances``, the one the
accounts list uses, and the window is ``metering.windows``.

The number of queries does not grow with the number of accounts: each kind of row is read for
every account at once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from kabinet.billing.models import AccountLink
from kabinet.billing.selectors import Balance, balances, bill_suppliers, due_dates
from kabinet.metering import windows as clock
from kabinet.metering.models import Meter
from kabinet.metering.selectors import in_service, read_meters
from kabinet.metering.windows import Windows, WindowState, zone_note

PAY = "pay"
SUBMIT_READINGS = "submit_readings"


@dataclass(frozen=True)
class ReadingsWindow:
    """One supplier's readings window as an account's card shows it."""

    supplier: str
    state: WindowState
    meters: int  # the account's meters of this supplier read by hand
    missing: int  # of them, those without a reading for the window's period

    @property
    def is_open(self) -> bool:
        return self.state.is_open

    @property
    def last_day(self) -> dt.date:
        """The last day (in the supplier's zone) a reading is taken for the period."""
        return (self.state.closes_at - dt.timedelta(microseconds=1)).date()

    @property
    def opens_on(self) -> dt.date:
        return self.state.opens_at.date()

    @property
    def text(self) -> str:
        """«Передать до 25.12» or «откроется 15.12», dates in the supplier's zone, with
        «по времени …» when its clock differs from the site's."""
        if self.is_open:
            text = _("Передать до %(date)s") % {"date": dateformat.format(self.last_day, "d.m")}
            note = zone_note(self.state.zone, self.state.closes_at)
        else:
            text = _("откроется %(date)s") % {"date": dateformat.format(self.opens_on, "d.m")}
            note = zone_note(self.state.zone, self.state.opens_at)
        return f"{text} ({note})" if note else text


@dataclass(frozen=True)
class AccountSummary:
    """An account's card on the home page."""

    link: AccountLink
    balance: Balance
    due_date: dt.date | None
    today: dt.date
    suppliers: tuple[str, ...]
    windows: tuple[ReadingsWindow, ...]

    @property
    def remaining(self) -> Decimal | None:
        return self.balance.remaining

    @property
    def to_pay(self) -> Decimal | None:
        """What «Оплатить» offers: the debt left after pending portal payments, if any."""
        remaining = self.balance.remaining
        return remaining if remaining is not None and remaining > 0 else None

    @property
    def days_left(self) -> int | None:
        return (self.due_date - self.today).days if self.due_date is not None else None

    @property
    def days_overdue(self) -> int:
        days = self.days_left
        return -days if days is not None and days < 0 else 0

    @property
    def readings_due(self) -> bool:
        """A window is open and a meter of it has no reading for its period yet."""
        return any(w.is_open and w.missing for w in self.windows)

    @property
    def actions(self) -> list[str]:
        """The next steps, most pressing first: at most «Оплатить» and «Передать показания»."""
        found = []
        if self.to_pay is not None:
            found.append(PAY)
        if self.readings_due:
            found.append(SUBMIT_READINGS)
        return found


def _windows(
    account_ids: list[int], windows: Windows, today: dt.date
) -> dict[int, tuple[ReadingsWindow, ...]]:
    """The readings windows per account, from its meters read by hand: two queries."""
    meters = list(
        Meter.objects.filter(
            in_service(today),
            account_id__in=account_ids,
            is_automatic=False,
            account__automatic_readings=False,
        )
        .select_related("supplier")
        .order_by("account_id", "supplier__short_name", "pk")
    )
    if not meters:
        return {}
    periods = {meter.pk: windows.of(meter.supplier).period for meter in meters}
    read = read_meters(periods)
    grouped: dict[tuple[int, int], list[Meter]] = defaultdict(list)
    for meter in meters:
        grouped[(meter.account_id, meter.supplier_id)].append(meter)
    found: dict[int, list[ReadingsWindow]] = defaultdict(list)
    for (account_id, _supplier_id), group in grouped.items():
        supplier = group[0].supplier
        found[account_id].append(
            ReadingsWindow(
                supplier=supplier.short_name,
                state=windows.of(supplier),
                meters=len(group),
                missing=sum(1 for m in group if m.pk not in read),
            )
        )
    return {account_id: tuple(items) for account_id, items in found.items()}


def account_summaries(
    links: Sequence[AccountLink], moment: dt.datetime | None = None
) -> list[AccountSummary]:
    """A summary per link, in the links' order. The links come from
    ``billing.selectors.linked_accounts`` (the ownership gate), with accounts and suppliers."""
    moment = moment or clock.now()
    today = timezone.localdate(moment)
    account_ids = [link.account_id for link in links]
    if not account_ids:
        return []
    money = balances(account_ids)
    due = due_dates(account_ids)
    on_bill = bill_suppliers(account_ids)
    readings = _windows(account_ids, Windows(moment), today)
    summaries = []
    for link in links:
        account_id = link.account_id
        windows = readings.get(account_id, ())
        names = [link.account.supplier.short_name, *on_bill.get(account_id, ())]
        names += [w.supplier for w in windows]
        summaries.append(
            AccountSummary(
                link=link,
                balance=money[account_id],
                due_date=due.get(account_id),
                today=today,
                suppliers=tuple(dict.fromkeys(names)),
                windows=windows,
            )
        )
    return summaries
