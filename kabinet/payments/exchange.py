"""The `payments` kind: money received through banks, post offices and other channels."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from kabinet.billing.exchange import values as v
from kabinet.billing.exchange.engine import Column, Counts, Kind, Row, register
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
    )

    def begin(self) -> None:
        # payment_id → (first line, account_id, paid_at, channel, agent, total)
        self.payments: dict[str, list[object]] = {}
        self.splits = self.loader.stage(
            "payment_splits",
            [("external_id", "text"), ("supplier_id", "int"), ("amount", "decimal")],
        )
        self.payment_stage = self.loader.stage(
            "payments",
            [("external_id", "text"), ("account_id", "int"), ("channel", "text"),
             ("paid_at", "datetime"), ("agent_name", "text"), ("amount", "decimal")],
        )  # fmt: skip

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
        head = (found[2], paid_at, row["channel"], row["agent"] or "")
        seen = self.payments.get(row["payment_id"])
        if seen is None:
            self.payments[row["payment_id"]] = [self.report.line, *head, row["amount"]]
        elif tuple(seen[1:5]) != head:
            self.report(
                "payment_id",
                f"Платёж «{row['payment_id']}» в строке {seen[0]} указан с другим счётом, "
                "датой, способом или агентом.",
            )
            return
        else:
            total = seen[5]
            assert isinstance(total, Decimal)
            seen[5] = total + row["amount"]
        self.splits.add((row["payment_id"], recipient_id, row["amount"]))

    def apply(self) -> Counts:
        lo = self.loader
        for external_id, (_, account_id, paid_at, channel, agent, total) in self.payments.items():
            self.payment_stage.add((external_id, account_id, channel, paid_at, agent, total))
        self.payment_stage.flush()
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
        return counts

    def touched_accounts(self) -> str:
        return f"SELECT account_id FROM {self.payment_stage.name}"
