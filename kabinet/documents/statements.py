"""What a bill states: each recipient's rows and the totals they add up to.

The bill PDF and the bill card on the web both print from here, so they show the same rows, the
same section totals and the same document total. Every printed row adds up on its own
(debt or advance at the start + charged + increasing-coefficient surcharge + recalculation −
benefits − paid = to pay), a section's totals are its printed rows added up (the penalty row
included) and the document's totals are its sections added up. Billing's own section total is
what is owed; where it differs from the rows (data loaded before the importer checked it), the
difference is carried so that it can be printed, never hidden.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from kabinet.billing.models import Bill, BillSection, Charge, Service, Supplier, zone_number
from kabinet.core.money import ZERO

AMOUNT_FIELDS = (
    "opening_balance",
    "charged",
    "surcharge",
    "recalculation",
    "benefits",
    "paid",
    "total",
)


@dataclass(frozen=True)
class Amounts:
    """The money columns of a printed row, in ЕПД signs (a negative opening is an advance)."""

    opening_balance: Decimal = ZERO
    charged: Decimal = ZERO
    surcharge: Decimal = ZERO
    recalculation: Decimal = ZERO
    benefits: Decimal = ZERO
    paid: Decimal = ZERO
    total: Decimal = ZERO

    @classmethod
    def of_charge(cls, charge: Charge) -> Amounts:
        return cls(**{name: getattr(charge, name) for name in AMOUNT_FIELDS})

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(**{n: getattr(self, n) + getattr(other, n) for n in AMOUNT_FIELDS})

    @property
    def computed_total(self) -> Decimal:
        """What the other columns give: the «К оплате» a reader works out from the row."""
        return (
            self.opening_balance
            + self.charged
            + self.surcharge
            + self.recalculation
            - self.benefits
            - self.paid
        )

    @property
    def is_zero(self) -> bool:
        return not any(getattr(self, n) for n in AMOUNT_FIELDS)


def _sum(rows: Iterable[Amounts]) -> Amounts:
    total = Amounts()
    for row in rows:
        total += row
    return total


@dataclass
class SectionStatement:
    """One recipient's part of a bill: its service rows, its penalty row and their totals."""

    section: BillSection
    lines: list[Charge]
    # Penalty debt at the start, accrued this period, paid and to pay; None when all are zero.
    penalties: Amounts | None
    totals: Amounts

    @property
    def supplier(self) -> Supplier:
        return self.section.supplier

    @property
    def total(self) -> Decimal:
        """Billing's section total: what is owed to this recipient (and what its QR asks)."""
        return self.section.total

    @property
    def difference(self) -> Decimal:
        """Billing's total minus the printed rows; zero for every file the importer accepts."""
        return self.section.total - self.totals.total

    @property
    def itemized(self) -> bool:
        """False for a section billing sent as its total alone: there are no rows to print."""
        if self.lines or self.penalties is not None:
            return True
        return any(getattr(self.totals, n) for n in AMOUNT_FIELDS if n != "total")

    @property
    def has_surcharge(self) -> bool:
        return any(line.surcharge for line in self.lines) or bool(
            self.penalties and self.penalties.surcharge
        )


@dataclass
class BillStatement:
    bill: Bill
    sections: list[SectionStatement] = field(default_factory=list)

    @property
    def totals(self) -> Amounts:
        return _sum(s.totals for s in self.sections)

    @property
    def total(self) -> Decimal:
        """The document total: billing's section totals added up (the bill's own total)."""
        return sum((s.total for s in self.sections), ZERO)

    @property
    def difference(self) -> Decimal:
        return sum((s.difference for s in self.sections), ZERO)

    @property
    def has_surcharge(self) -> bool:
        return any(s.has_surcharge for s in self.sections)


def _line_order(charge: Charge) -> tuple[int, str, int, str]:
    service = charge.service
    return (service.sort_order, service.name, zone_number(charge.zone), charge.zone)


def section_statement(section: BillSection, charges: list[Charge]) -> SectionStatement:
    """A section's printed rows from its charge lines (those of its recipient and period).

    A section billing sent without any lines prints its own amounts as its totals, the
    period's penalties counted in «Начислено» as they are on every other section's total row.
    """
    if not charges:
        own = Amounts(
            opening_balance=section.opening_balance,
            charged=section.charged + section.penalties,
            recalculation=section.recalculation,
            benefits=section.benefits,
            paid=section.paid,
            total=section.total,
        )
        return SectionStatement(section=section, lines=[], penalties=None, totals=own)
    lines = sorted((c for c in charges if c.service.kind != Service.Kind.PENALTY), key=_line_order)
    penalty = _sum(Amounts.of_charge(c) for c in charges if c.service.kind == Service.Kind.PENALTY)
    penalties = None if penalty.is_zero else penalty
    totals = _sum(Amounts.of_charge(c) for c in lines) + (penalties or Amounts())
    return SectionStatement(section=section, lines=lines, penalties=penalties, totals=totals)


def bill_statements(bills: Iterable[Bill]) -> list[BillStatement]:
    """Statements of bills in the order given: three queries, whatever the number of bills."""
    bills = list(bills)
    if not bills:
        return []
    sections = (
        BillSection.objects.filter(bill__in=bills)
        .select_related("supplier")
        .order_by("bill_id", "supplier_id")
    )
    by_bill: dict[int, list[BillSection]] = defaultdict(list)
    for section in sections:
        by_bill[section.bill_id].append(section)
    charges: dict[tuple[int, object, int], list[Charge]] = defaultdict(list)
    for charge in Charge.objects.filter(
        account_id__in={b.account_id for b in bills}, period__in={b.period for b in bills}
    ).select_related("service"):
        charges[(charge.account_id, charge.period, charge.supplier_id)].append(charge)
    return [
        BillStatement(
            bill=bill,
            sections=[
                section_statement(s, charges.get((bill.account_id, bill.period, s.supplier_id), []))
                for s in by_bill.get(bill.pk, [])
            ],
        )
        for bill in bills
    ]


def bill_statement(bill: Bill) -> BillStatement:
    return bill_statements([bill])[0]


class StatedBills:
    """Bills of a queryset, each with its ``statement``, read only when first iterated.

    The bill list keeps its markup per data version: when the cached fragment is served, the
    bills and their charges are never read.
    """

    def __init__(self, bills: Iterable[Bill]) -> None:
        self._source = bills
        self._bills: list[Bill] | None = None

    def _load(self) -> list[Bill]:
        if self._bills is None:
            bills = list(self._source)
            for statement in bill_statements(bills):
                statement.bill.statement = statement  # type: ignore[attr-defined]
            self._bills = bills
        return self._bills

    def __iter__(self) -> Iterator[Bill]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())
