"""The `payments` kind: money received through banks, post offices and other channels.

A row with ``portal_id`` is billing's record of a card payment made in the portal (the
``portal_id`` of the `payments` export): it is recognised as that payment, never stored as a
second one, and the portal payment is marked accounted — «учтён биллингом» rather than
«ожидает учёта» on the balance pages (billing/pending.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from kabinet.billing.exchange import values as v
from kabinet.billing.exchange.engine import Column, Counts, Kind, Row, register
from kabinet.core.money import format_rubles
from kabinet.payments.models import Payment

CHANNELS = {
    c.value: c.value
    for c in (
        Payment.Channel.BANK,
        Payment.Channel.ONLINE_BANK,
        Payment.Channel.POST,
        Payment.Channel.CASHIER,
        Payment.Channel.TERMINAL,
        Payment.Channel.OTHER,
    )
}


@cache
def _datetime_in(zone: ZoneInfo) -> v.Parser:
    return v.datetime_parser(zone)


@dataclass(frozen=True)
class _Head:
    """What every row of one payment_id must repeat."""

    account_id: int
    paid_at: dt.datetime
    channel: str
    agent: str
    portal_id: int | None


@dataclass
class _Seen:
    line: int  # the payment's first line in the file
    head: _Head
    total: Decimal


@register
class PaymentsKind(Kind):
    name = "payments"
    order = 70
    title = "Платежи через другие каналы"
    columns = (
        Column("supplier", v.text(32), required=True),
        Column("branch", v.text(32)),
        Column("account", v.account_number, required=True),
        Column("payment_id", v.text(64), required=True),
        Column("recipient", v.text(32)),
        # Read as text: a local time is in the supplier's zone, known only once the row is read.
        Column("paid_at", v.text(40), required=True),
        Column("amount", v.positive_money, required=True),
        Column("channel", v.choice(CHANNELS), required=True),
        Column("agent", v.text(160)),
        Column("portal_id", v.whole_number),
    )

    def begin(self) -> None:
        self.payments: dict[str, _Seen] = {}  # by payment_id
        self.splits = self.loader.stage(
            "payment_splits",
            [("external_id", "text"), ("supplier_id", "int"), ("amount", "decimal")],
        )
        self.payment_stage = self.loader.stage(
            "payments",
            [("external_id", "text"), ("account_id", "int"), ("channel", "text"),
             ("paid_at", "datetime"), ("agent_name", "text"), ("amount", "decimal")],
        )  # fmt: skip
        self.portal_stage = self.loader.stage(
            "portal_payments",
            [("portal_id", "int"), ("external_id", "text"), ("account_id", "int")],
        )

    def add(self, row: Row) -> None:
        found = self.account(row)
        recipient_id = self.supplier(row, "recipient") if row["recipient"] else None
        if found is None or (row["recipient"] and recipient_id is None):
            return
        try:
            paid_at: dt.datetime = _datetime_in(self.supplier_zone(found[0]))(row["paid_at"])
        except v.ValueProblem as problem:
            self.report("paid_at", str(problem))
            return
        if paid_at.date() > self.lookups.today + dt.timedelta(days=1):
            self.report("paid_at", "Дата оплаты в будущем.")
            return
        recipient_id = recipient_id or found[0]
        if not self.unique((row["payment_id"], recipient_id), "recipient"):
            return
        head = _Head(found[2], paid_at, row["channel"], row["agent"] or "", row["portal_id"])
        seen = self.payments.get(row["payment_id"])
        if seen is None:
            if head.portal_id is not None and not self.unique(
                ("portal", head.portal_id), "portal_id"
            ):
                return
            self.payments[row["payment_id"]] = _Seen(self.report.line, head, row["amount"])
        elif seen.head != head:
            self.report(
                "payment_id",
                f"Платёж «{row['payment_id']}» в строке {seen.line} указан с другим счётом, "
                "датой, способом, агентом или portal_id.",
            )
            return
        else:
            seen.total += row["amount"]
        if head.portal_id is None:
            self.splits.add((row["payment_id"], recipient_id, row["amount"]))

    def check(self) -> None:
        """A row with portal_id must be a card payment of the same account that succeeded, for
        the same money; billing's id of it, once given, stays the same."""
        named = {
            seen.head.portal_id: (external_id, seen)
            for external_id, seen in self.payments.items()
            if seen.head.portal_id is not None
        }
        ids = list(named)
        known: dict[int, tuple[int, str, Decimal, str]] = {}
        for start in range(0, len(ids), 1000):
            for pk, account_id, status, amount, external_id in Payment.objects.filter(
                pk__in=ids[start : start + 1000], source=Payment.Source.PORTAL
            ).values_list("pk", "account_id", "status", "amount", "external_id"):
                known[pk] = (account_id, status, amount, external_id)
        taken = dict(
            Payment.objects.filter(
                source=Payment.Source.PORTAL,
                external_id__in=[external_id for external_id, _ in named.values()],
            ).values_list("external_id", "pk")
        )
        for portal_id, (external_id, seen) in named.items():
            ours = known.get(portal_id)
            if ours is None or ours[0] != seen.head.account_id:
                self.report(
                    "portal_id",
                    f"Платёж №{portal_id} из личного кабинета по этому счёту не найден.",
                    seen.line,
                )
            elif ours[1] not in (Payment.Status.SUCCEEDED, Payment.Status.REFUNDED):
                self.report(
                    "portal_id",
                    f"Платёж №{portal_id} из личного кабинета не прошёл: учитывать нечего.",
                    seen.line,
                )
            elif ours[2] != seen.total:
                self.report(
                    "amount",
                    f"Платёж №{portal_id} из личного кабинета — {format_rubles(ours[2])}, "
                    f"а в файле — {format_rubles(seen.total)}.",
                    seen.line,
                )
            elif ours[3] not in ("", external_id) or taken.get(external_id, portal_id) != portal_id:
                self.report(
                    "payment_id",
                    f"Платёж №{portal_id} из личного кабинета уже учтён в биллинге под другим "
                    "payment_id, или этот payment_id уже назван у другого платежа.",
                    seen.line,
                )
            else:
                self.portal_stage.add((portal_id, external_id, seen.head.account_id))

    def apply(self) -> Counts:
        lo = self.loader
        for external_id, seen in self.payments.items():
            head = seen.head
            if head.portal_id is None:
                self.payment_stage.add(
                    (external_id, head.account_id, head.channel, head.paid_at, head.agent,
                     seen.total)
                )  # fmt: skip
        self.payment_stage.flush()
        self.portal_stage.flush()
        now = lo.now_param()
        source = Payment.Source.BILLING.value
        succeeded = Payment.Status.SUCCEEDED.value
        lo.upsert(
            table="payments_payment",
            columns=[
                "external_id",
                "account_id",
                "channel",
                "paid_at",
                "agent_name",
                "amount",
                "source",
                "status",
                "created_at",
            ],
            select=(
                "SELECT external_id, account_id, channel, paid_at, agent_name, amount, %s, %s, %s "
                f"FROM {self.payment_stage.name} WHERE true"
            ),
            key=["source", "external_id"],
            key_where="NOT (external_id = '')",
            compare=["account_id", "channel", "paid_at", "agent_name", "amount", "status"],
            exists=(
                f"SELECT count(*) FROM {self.payment_stage.name} s JOIN payments_payment t "
                "ON t.source = %s AND t.external_id = s.external_id"
            ),
            params=[source, succeeded, now],
            exists_params=[source],
        )
        splits = self.splits.name
        join = (
            f"FROM {splits} s JOIN payments_payment p "
            "ON p.source = %s AND p.external_id = s.external_id"
        )
        counts = lo.upsert(
            table="payments_paymentsplit",
            columns=["payment_id", "supplier_id", "amount"],
            select=f"SELECT p.id, s.supplier_id, s.amount {join} WHERE true",
            key=["payment_id", "supplier_id"],
            # The partial unique index of splits without a service line (billing's kind).
            key_where="service_id IS NULL",
            compare=["amount"],
            exists=(
                f"SELECT count(*) {join} JOIN payments_paymentsplit t "
                "ON t.payment_id = p.id AND t.supplier_id = s.supplier_id"
            ),
            params=[source],
            exists_params=[source],
        )
        # A payment is exactly what its rows say: recipients dropped from it are removed.
        lo.execute(
            "DELETE FROM payments_paymentsplit WHERE payment_id IN ("
            f"SELECT p.id {join}) AND NOT EXISTS (SELECT 1 {join} "
            "WHERE p.id = payments_paymentsplit.payment_id "
            "AND s.supplier_id = payments_paymentsplit.supplier_id)",
            [source, source],
        )
        # Portal payments billing names: accounted from the first file that names them, with
        # billing's id kept for support. They are never written as billing's payments.
        portal = self.portal_stage.name
        stale = (
            f"(payments_payment.accounted_at IS NULL OR "
            f"{lo.distinct('payments_payment.external_id', 's.external_id')})"
        )
        accounted = lo.execute(
            "UPDATE payments_payment SET "
            "accounted_at = coalesce(payments_payment.accounted_at, %s), "
            f"external_id = s.external_id FROM {portal} s "
            f"WHERE payments_payment.id = s.portal_id AND {stale}",
            [now],
        )
        counts.updated += accounted
        counts.unchanged += self.portal_stage.size - accounted
        return counts

    def touched_accounts(self) -> str:
        return (
            f"SELECT account_id FROM {self.payment_stage.name} "
            f"UNION SELECT account_id FROM {self.portal_stage.name}"
        )
