"""Kinds of billing file owned by the billing app: accounts, tariffs, charges, bills."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from kabinet.billing.exchange import bulk as b
from kabinet.billing.exchange import values as v
from kabinet.billing.exchange.engine import Column, Counts, Kind, Row, register
from kabinet.billing.models import Account, Charge, VolumeBasis, Zone
from kabinet.core.money import format_rubles, to_money

ZONES = {z.value: z.value for z in Zone} | {"single": ""}
IZHKU = v.pattern(r"^\d{2}[А-Я]{2}\d{6}-\d{2}$", "ИЖКУ — ЕЛС-NN, например 90ВВ144120-11.", 13)
MONEY_COLUMNS = ("opening_balance", "charged", "recalculation", "benefits", "penalties", "paid")


def _rubles(value: Decimal) -> str:
    return format_rubles(value, symbol=False)


def _account_columns() -> tuple[Column, ...]:
    return (
        Column("supplier", v.text(32), required=True),
        Column("branch", v.text(32)),
        Column("account", v.account_number, required=True),
    )


@register
class AccountsKind(Kind):
    name = "accounts"
    order = 10
    title = "Лицевые счета и помещения"
    columns = (
        *_account_columns(),
        Column("owner_name", v.text(255)),
        Column(
            "els",
            v.pattern(r"^\d{2}[А-Я]{2}\d{6}$", "ЕЛС — 10 знаков, например 90ВВ144120.", 10),
        ),
        Column("izhku", IZHKU),
        Column("link_code", v.text(32)),
        Column("automatic_readings", v.flag),
        Column("status", v.choice({"open": "open", "closed": "closed"})),
        Column("opened_on", v.date),
        Column("closed_on", v.date),
        Column("premises_id", v.text(64), required=True),
        Column("address", v.text(500), required=True),
        Column("region", v.text(120)),
        Column("city", v.text(120)),
        Column("street", v.text(160)),
        Column("house", v.text(32)),
        Column("building", v.text(32)),
        Column("flat", v.text(32)),
        Column("house_guid", v.text(36)),
        Column("total_area", v.area),
        Column("living_area", v.area),
        Column("rooms", v.whole_number),
        Column("residents", v.whole_number),
    )
    PREMISES = (
        "address", "region", "city", "street", "house", "building", "flat", "house_guid",
        "total_area", "living_area", "rooms", "residents",
    )  # fmt: skip
    ACCOUNT = (
        "number_display", "owner_name", "els", "izhku", "link_code", "automatic_readings",
        "status", "opened_on", "closed_on",
    )  # fmt: skip

    def begin(self) -> None:
        self.premises: dict[str, tuple[int, tuple[object, ...]]] = {}
        self.premises_stage = self.loader.stage(
            "premises",
            [("external_id", "text"), ("address", "text"), ("region", "text"), ("city", "text"),
             ("street", "text"), ("house", "text"), ("building", "text"), ("flat", "text"),
             ("house_guid", "text"), ("total_area", "decimal"), ("living_area", "decimal"),
             ("rooms", "int"), ("residents", "int")],
        )  # fmt: skip
        self.stage = self.loader.stage(
            "accounts",
            [("supplier_id", "int"), ("branch_id", "int"), ("number", "text"),
             ("premises_ext", "text"), ("number_display", "text"), ("owner_name", "text"),
             ("els", "text"), ("izhku", "text"), ("link_code", "text"),
             ("automatic_readings", "bool"), ("status", "text"), ("opened_on", "date"),
             ("closed_on", "date")],
        )  # fmt: skip
        self.raw_numbers: dict[int, str] = {}

    def add(self, row: Row) -> None:
        supplier_id = self.supplier(row)
        ok, branch_id = self.branch(row, supplier_id)
        if supplier_id is None or not ok:
            return
        if not self.unique((supplier_id, branch_id, row["account"]), "account"):
            return
        if row["opened_on"] and row["closed_on"] and row["closed_on"] < row["opened_on"]:
            self.report("closed_on", "Дата закрытия раньше даты открытия.")
            return
        total, living = row["total_area"], row["living_area"]
        if total is not None and living is not None and living > total:
            self.report("living_area", "Жилая площадь больше общей.")
            return
        # Text parts default to "", numbers stay None when absent — and 0 stays 0 (no one
        # registered is how a waste operator knows to bill by area).
        premises = tuple(
            ("" if row[c] is None else row[c]) if c in self.PREMISES[:8] else row[c]
            for c in self.PREMISES
        )
        seen = self.premises.get(row["premises_id"])
        if seen is None:
            self.premises[row["premises_id"]] = (self.report.line, premises)
            self.premises_stage.add((row["premises_id"], *premises))
        elif seen[1] != premises:
            self.report(
                "premises_id",
                f"Помещение «{row['premises_id']}» уже описано в строке {seen[0]} иначе.",
            )
            return
        status = row["status"] or Account.Status.OPEN
        self.stage.add(
            (
                supplier_id,
                branch_id,
                str(row["account"]),
                row["premises_id"],
                row["account"].display,
                row["owner_name"] or "",
                row["els"] or "",
                row["izhku"] or "",
                row["link_code"] or "",
                bool(row["automatic_readings"]),
                status,
                row["opened_on"],
                row["closed_on"],
            )
        )

    def apply(self) -> Counts:
        lo = self.loader
        now = lo.now_param()
        premises_columns = ["external_id", *self.PREMISES]
        lo.upsert(
            table="billing_premises",
            columns=premises_columns,
            select=(
                f"SELECT {', '.join(premises_columns)} FROM {self.premises_stage.name} WHERE true"
            ),
            key=["external_id"],
            compare=list(self.PREMISES),
            exists=(
                f"SELECT count(*) FROM {self.premises_stage.name} s "
                "JOIN billing_premises t ON t.external_id = s.external_id"
            ),
        )
        counts = Counts()
        data = ", ".join(f"s.{c}" for c in self.ACCOUNT)
        columns = ["supplier_id", "branch_id", "number", "premises_id", *self.ACCOUNT,
                   "created_at", "updated_at"]  # fmt: skip
        for has_branch in (False, True):
            branch_sql = "s.branch_id IS NOT NULL" if has_branch else "s.branch_id IS NULL"
            key = (
                ["supplier_id", "branch_id", "number"] if has_branch else ["supplier_id", "number"]
            )
            key_where = "branch_id IS NOT NULL" if has_branch else "branch_id IS NULL"
            join_branch = "t.branch_id = s.branch_id" if has_branch else "t.branch_id IS NULL"
            counts += lo.upsert(
                table="billing_account",
                columns=columns,
                select=(
                    f"SELECT s.supplier_id, s.branch_id, s.number, p.id, {data}, %s, %s "
                    f"FROM {self.stage.name} s JOIN billing_premises p "
                    f"ON p.external_id = s.premises_ext WHERE {branch_sql}"
                ),
                key=key,
                key_where=key_where,
                compare=["premises_id", *self.ACCOUNT],
                touch=["updated_at"],
                exists=(
                    f"SELECT count(*) FROM {self.stage.name} s JOIN billing_account t "
                    f"ON t.supplier_id = s.supplier_id AND t.number = s.number AND {join_branch} "
                    f"WHERE {branch_sql}"
                ),
                params=[now, now],
            )
        return counts

    def touched_accounts(self) -> str:
        # The file's accounts, and every account at a premises it describes (a new address
        # shows on the accounts of all who live there).
        return (
            f"SELECT t.id FROM billing_account t JOIN {self.stage.name} s "
            "ON t.supplier_id = s.supplier_id AND t.number = s.number "
            "UNION SELECT t.id FROM billing_account t JOIN billing_premises p "
            f"ON p.id = t.premises_id JOIN {self.premises_stage.name} s "
            "ON s.external_id = p.external_id"
        )


@register
class TariffsKind(Kind):
    name = "tariffs"
    order = 30
    title = "Тарифы"
    columns = (
        Column("supplier", v.text(32), required=True),
        Column("service", v.text(32), required=True),
        Column("tariff_code", v.text(32)),
        Column("name", v.text(255), required=True),
        Column("zone", v.choice(ZONES)),
        Column("price", v.price, required=True),
        Column("valid_from", v.date, required=True),
        Column("valid_to", v.date),
    )

    def begin(self) -> None:
        self.stage = self.loader.stage(
            "tariffs",
            [("supplier_id", "int"), ("service_id", "int"), ("code", "text"), ("name", "text"),
             ("zone", "text"), ("price", "decimal"), ("valid_from", "date"), ("valid_to", "date")],
        )  # fmt: skip

    def add(self, row: Row) -> None:
        supplier_id = self.supplier(row)
        service = self.service(row)
        if supplier_id is None or service is None:
            return
        if row["valid_to"] and row["valid_to"] < row["valid_from"]:
            self.report("valid_to", "Дата окончания раньше даты начала.")
            return
        code, zone = row["tariff_code"] or "", row["zone"] or ""
        if not self.unique((supplier_id, service[0], code, zone, row["valid_from"]), "valid_from"):
            return
        self.stage.add(
            (supplier_id, service[0], code, row["name"], zone, row["price"], row["valid_from"],
             row["valid_to"])
        )  # fmt: skip

    def apply(self) -> Counts:
        columns = ["supplier_id", "service_id", "code", "name", "zone", "price", "valid_from",
                   "valid_to"]  # fmt: skip
        return self.loader.upsert(
            table="billing_tariff",
            columns=columns,
            select=f"SELECT {', '.join(columns)} FROM {self.stage.name} WHERE true",
            key=["supplier_id", "service_id", "code", "zone", "valid_from"],
            compare=["name", "price", "valid_to"],
            exists=(
                f"SELECT count(*) FROM {self.stage.name} s JOIN billing_tariff t "
                "ON t.supplier_id = s.supplier_id AND t.service_id = s.service_id "
                "AND t.code = s.code AND t.zone = s.zone AND t.valid_from = s.valid_from"
            ),
        )


@register
class ChargesKind(Kind):
    name = "charges"
    order = 40
    title = "Начисления"
    AMOUNTS = ("opening_balance", "charged", "surcharge", "recalculation", "benefits", "paid",
               "total")  # fmt: skip
    columns = (
        *_account_columns(),
        Column("period", v.period, required=True),
        Column("recipient", v.text(32)),
        Column("service", v.text(32), required=True),
        Column("zone", v.choice(ZONES)),
        Column("tariff_code", v.text(32)),
        Column("unit", v.text(16)),
        Column("norm", v.quantity_not_negative),
        Column("volume", v.quantity_not_negative),
        Column("volume_common", v.quantity),
        Column(
            "volume_basis",
            v.choice({b.value: b.value for b in VolumeBasis if b.value}),
        ),
        Column("tariff", v.price),
        Column("opening_balance", v.money),
        Column("charged", v.money),
        Column("surcharge", v.money),
        Column("recalculation", v.money),
        Column("recalculation_reason", v.text(255)),
        Column("benefits", v.money),
        Column("paid", v.money),
        Column("total", v.money, required=True),
    )
    STAGE = [("account_id", "int"), ("period", "date"), ("supplier_id", "int"),
             ("service_id", "int"), ("zone", "text"), ("tariff_code", "text"), ("unit", "text"),
             ("norm", "decimal"), ("volume", "decimal"), ("volume_common", "decimal"),
             ("volume_basis", "text"), ("tariff", "decimal"), ("opening_balance", "decimal"),
             ("charged", "decimal"), ("surcharge", "decimal"), ("recalculation", "decimal"),
             ("recalculation_reason", "text"), ("benefits", "decimal"), ("paid", "decimal"),
             ("total", "decimal")]  # fmt: skip

    def begin(self) -> None:
        self.stage = self.loader.stage("charges", self.STAGE)
        self.zero = v.money("0")

    def add(self, row: Row) -> None:
        found = self.account(row)
        self.not_future_period(row)
        recipient_id = self.supplier(row, "recipient") if row["recipient"] else None
        service = self.service(row)
        if found is None or service is None or (row["recipient"] and recipient_id is None):
            return
        if row["period"] > self.lookups.current_period:
            return
        recipient_id = recipient_id or found[0]
        if not self.recipient_requisites(row, recipient_id):
            return
        zone = row["zone"] or ""
        if not self.unique((found[2], row["period"], recipient_id, service[0], zone), "service"):
            return
        zero = self.zero
        # The bill prints every column of the line: a total its columns do not give would be
        # printed as a sum that does not add up.
        computed = (
            (row["opening_balance"] or zero)
            + (row["charged"] or zero)
            + (row["surcharge"] or zero)
            + (row["recalculation"] or zero)
            - (row["benefits"] or zero)
            - (row["paid"] or zero)
        )
        if computed != row["total"]:
            self.report(
                "total",
                f"К оплате {_rubles(row['total'])} не сходится со строкой: долг на начало + "
                "начислено + повышающий коэффициент + перерасчёт − льготы − оплачено = "
                f"{_rubles(computed)}.",
            )
            return
        self.stage.add(
            (
                found[2],
                row["period"],
                recipient_id,
                service[0],
                zone,
                row["tariff_code"] or "",
                row["unit"] or service[1],
                row["norm"],
                row["volume"],
                row["volume_common"],
                row["volume_basis"] or "",
                row["tariff"],
                row["opening_balance"] or zero,
                row["charged"] or zero,
                row["surcharge"] or zero,
                row["recalculation"] or zero,
                row["recalculation_reason"] or "",
                row["benefits"] or zero,
                row["paid"] or zero,
                row["total"],
            )
        )

    # How the bulk path's SQL reads each column (bulk.py): what the parsers above accept.
    CELLS = {
        "supplier": b.code(32),
        "branch": b.code(32),
        "account": b.ACCOUNT,
        "period": b.PERIOD,
        "recipient": b.code(32),
        "service": b.code(32),
        "zone": b.choice(ZONES),
        "tariff_code": b.text(32),
        "unit": b.text(16),
        "norm": b.decimal(4, negative=False),
        "volume": b.decimal(4, negative=False),
        "volume_common": b.decimal(4),
        "volume_basis": b.choice({x.value: x.value for x in VolumeBasis if x.value}),
        "tariff": b.decimal(4, negative=False),
        "opening_balance": b.decimal(2),
        "charged": b.decimal(2),
        "surcharge": b.decimal(2),
        "recalculation": b.decimal(2),
        "recalculation_reason": b.text(255),
        "benefits": b.decimal(2),
        "paid": b.decimal(2),
        "total": b.decimal(2),
    }
    KEY = ("account_id", "period", "supplier_id", "service_id", "zone")

    def bulk(
        self,
        text_body: str,
        header: Sequence[str],
        header_line: int,
        progress: Callable[[int], None] | None,
    ) -> int | None:
        return b.stage_in_bulk(
            self,
            self.CELLS,
            self._bulk_select,
            text_body=text_body,
            header=header,
            header_line=header_line,
            progress=progress,
        )

    def _bulk_select(self, split: str) -> tuple[str, dict[str, Any]]:
        """The rules of add() over every row at once; a row that breaks one is left out."""
        amounts = " + ".join(
            f"{sign} coalesce(r.{name}, 0)"
            for sign, name in (
                ("", "opening_balance"), ("", "charged"), ("", "surcharge"),
                ("", "recalculation"), ("-", "benefits"), ("-", "paid"),
            )
        )  # fmt: skip
        columns = ", ".join(c for c, _ in self.STAGE)
        sql = (
            f"INSERT INTO {self.stage.name} ({columns}) "
            "SELECT a.id, r.period, coalesce(rc.id, s.id), sv.id, coalesce(r.zone, ''), "
            "coalesce(r.tariff_code, ''), coalesce(r.unit, sv.unit), r.norm, r.volume, "
            "r.volume_common, coalesce(r.volume_basis, ''), r.tariff, "
            "coalesce(r.opening_balance, 0), coalesce(r.charged, 0), coalesce(r.surcharge, 0), "
            "coalesce(r.recalculation, 0), coalesce(r.recalculation_reason, ''), "
            "coalesce(r.benefits, 0), coalesce(r.paid, 0), r.total "
            f"FROM ({split}) r "
            "JOIN billing_supplier s ON s.code = r.supplier "
            "LEFT JOIN billing_branch b ON b.supplier_id = s.id AND b.code = r.branch "
            "JOIN billing_account a ON a.supplier_id = s.id AND a.number = r.account "
            "AND CASE WHEN r.branch IS NULL THEN a.branch_id IS NULL "
            "ELSE a.branch_id = b.id END "
            "LEFT JOIN billing_supplier rc ON rc.code = r.recipient "
            "JOIN billing_service sv ON sv.code = r.service "
            "WHERE r.cells_ok AND (r.recipient IS NULL OR rc.id IS NOT NULL) "
            "AND r.period <= %(current_period)s "
            "AND NOT coalesce(rc.id, s.id) = ANY(%(bad_requisites)s::bigint[]) "
            f"AND {amounts} = r.total"
        )
        return sql, {
            "current_period": self.lookups.current_period,
            "bad_requisites": sorted(self.lookups.bad_requisites),
        }

    def bulk_staged_ok(self, cursor: Any) -> bool:
        # The file must not give the same charge line twice (add() reports the repeat).
        key = ", ".join(self.KEY)
        cursor.execute(
            f"SELECT NOT EXISTS (SELECT 1 FROM {self.stage.name} GROUP BY {key} "
            "HAVING count(*) > 1)"
        )
        return bool(cursor.fetchone()[0])

    def apply(self) -> Counts:
        columns = [c for c, _ in self.STAGE]
        key = ["account_id", "period", "supplier_id", "service_id", "zone"]
        return self.loader.upsert(
            table="billing_charge",
            columns=columns,
            select=f"SELECT {', '.join(columns)} FROM {self.stage.name} WHERE true",
            key=key,
            compare=[c for c in columns if c not in key],
            exists=(
                f"SELECT count(*) FROM {self.stage.name} s JOIN billing_charge t ON "
                + " AND ".join(f"t.{c} = s.{c}" for c in key)
            ),
        )

    def touched_accounts(self) -> str:
        return f"SELECT account_id FROM {self.stage.name}"


@register
class BillsKind(Kind):
    name = "bills"
    order = 50
    title = "Квитанции"
    columns = (
        *_account_columns(),
        Column("period", v.period, required=True),
        Column("recipient", v.text(32)),
        Column("number", v.text(32)),
        Column("issued_on", v.date),
        Column("due_date", v.date),
        # The customer's number and ГИС ЖКХ id at the recipient, where they differ from the
        # account's: printed in the section and carried by its payment QR. As billing gives it.
        Column("recipient_account", v.text(30)),
        Column("recipient_izhku", IZHKU),
        *(Column(name, v.money) for name in MONEY_COLUMNS),
        Column("total", v.money, required=True),
    )
    AMOUNTS = (*MONEY_COLUMNS, "total")
    CHECK_CHUNK = 1000

    def begin(self) -> None:
        # (line, account, period, recipient, total) of every section, checked against the
        # charge lines billing sent for it once the whole file is read.
        self.sections: list[tuple[int, int, dt.date, int, Decimal]] = []
        self.stage = self.loader.stage(
            "bills",
            [("account_id", "int"), ("period", "date"), ("supplier_id", "int"),
             ("number", "text"), ("issued_on", "date"), ("due_date", "date"),
             ("account_number", "text"), ("izhku", "text"),
             *((name, "decimal") for name in self.AMOUNTS)],
        )  # fmt: skip
        self.zero = v.money("0")

    def add(self, row: Row) -> None:
        found = self.account(row)
        self.not_future_period(row)
        recipient_id = self.supplier(row, "recipient") if row["recipient"] else None
        if found is None or (row["recipient"] and recipient_id is None):
            return
        if row["period"] > self.lookups.current_period:
            return
        recipient_id = recipient_id or found[0]
        if not self.recipient_requisites(row, recipient_id):
            return
        if not self.unique((found[2], row["period"], recipient_id), "account"):
            return
        zero = self.zero
        amounts = {name: row[name] if row[name] is not None else zero for name in self.AMOUNTS}
        # A section may come as its total alone; the amounts it does give must make that total.
        itemized = any(row[name] is not None for name in MONEY_COLUMNS)
        computed = (
            amounts["opening_balance"]
            + amounts["charged"]
            + amounts["recalculation"]
            - amounts["benefits"]
            + amounts["penalties"]
            - amounts["paid"]
        )
        if itemized and computed != amounts["total"]:
            self.report(
                "total",
                f"Итого раздела {_rubles(amounts['total'])} не сходится с его суммами: долг на "
                "начало + начислено + перерасчёт − льготы + пени − оплачено = "
                f"{_rubles(computed)}.",
            )
            return
        self.sections.append(
            (self.report.line, found[2], row["period"], recipient_id, amounts["total"])
        )
        self.stage.add(
            (
                found[2],
                row["period"],
                recipient_id,
                row["number"] or "",
                row["issued_on"],
                row["due_date"],
                row["recipient_account"] or "",
                row["recipient_izhku"] or "",
                *(row[name] if row[name] is not None else self.zero for name in self.AMOUNTS),
            )
        )

    def check(self) -> None:
        """A section's total is what its charge lines add up to, where billing sent lines.

        The bill prints the lines and the section total under them; a section whose lines
        do not give its total would be printed not adding up, so the file is refused and the
        clerk sees which section and by how much.
        """
        by_period: dict[dt.date, list[tuple[int, int, int, Decimal]]] = {}
        for line, account_id, period, recipient_id, total in self.sections:
            by_period.setdefault(period, []).append((line, account_id, recipient_id, total))
        for period, sections in sorted(by_period.items()):
            accounts = sorted({account_id for _, account_id, _, _ in sections})
            sums: dict[tuple[int, int], Decimal] = {}
            for start in range(0, len(accounts), self.CHECK_CHUNK):
                rows = (
                    Charge.objects.filter(
                        period=period, account_id__in=accounts[start : start + self.CHECK_CHUNK]
                    )
                    .values_list("account_id", "supplier_id")
                    .annotate(lines_total=Sum("total"))
                    .order_by()
                )
                # Rounded: SQLite sums these columns as binary floats (0.39999999999999997).
                sums.update({(a, s): to_money(t) for a, s, t in rows})
            for line, account_id, recipient_id, total in sections:
                lines_total = sums.get((account_id, recipient_id))
                if lines_total is not None and lines_total != total:
                    self.report(
                        "total",
                        f"Итого раздела {_rubles(total)} не равно сумме строк начислений этого "
                        f"получателя за период {_rubles(lines_total)} (разница "
                        f"{_rubles(total - lines_total)}). Загрузите начисления и квитанции "
                        "одного расчёта.",
                        line,
                    )

    def apply(self) -> Counts:
        lo = self.loader
        stage = self.stage.name
        amounts = list(self.AMOUNTS)
        zeros = ", ".join("0" for _ in amounts)
        # 1. A bill row for every (account, period) in the file; its totals are filled in step 3.
        now = lo.now_param()
        lo.execute(
            f"INSERT INTO billing_bill (account_id, period, number, issued_on, due_date, "
            f"loaded_at, {', '.join(amounts)}) "
            f"SELECT account_id, period, '', max(issued_on), NULL, %s, {zeros} FROM {stage} "
            "WHERE true GROUP BY account_id, period "
            "ON CONFLICT (account_id, period) DO NOTHING",
            [now],
        )
        # 2. Sections: the rows of the file.
        section_columns = [
            "bill_id", "supplier_id", "number", "due_date", "account_number", "izhku", *amounts
        ]  # fmt: skip
        counts = lo.upsert(
            table="billing_billsection",
            columns=section_columns,
            select=(
                "SELECT b.id, s.supplier_id, s.number, s.due_date, s.account_number, s.izhku, "
                f"{', '.join('s.' + a for a in amounts)} FROM {stage} s JOIN billing_bill b "
                "ON b.account_id = s.account_id AND b.period = s.period WHERE true"
            ),
            key=["bill_id", "supplier_id"],
            compare=["number", "due_date", "account_number", "izhku", *amounts],
            exists=(
                f"SELECT count(*) FROM {stage} s JOIN billing_bill b "
                "ON b.account_id = s.account_id "
                "AND b.period = s.period JOIN billing_billsection t "
                "ON t.bill_id = b.id AND t.supplier_id = s.supplier_id"
            ),
        )
        # 3. Each touched bill is the sum of all its sections (those of earlier files too),
        # added up in whole kopecks: SQLite keeps these columns as binary floats, whose plain
        # sum is off by a fraction of a kopeck and then equals no amount a customer types.
        # Integers add up exactly there, numeric does on PostgreSQL. A bill whose amounts change
        # is loaded now: its «paid» may count portal payments made before this load
        # (payments/pending.py); a new number or due date alone counts nothing new.
        sums = ", ".join(f"sum(CAST(round(t.{a} * 100) AS bigint)) / 100.0 AS {a}" for a in amounts)
        sets = ", ".join(f"{a} = agg.{a}" for a in amounts)
        moved = " OR ".join(lo.distinct(f"billing_bill.{a}", f"agg.{a}") for a in amounts)
        changed = " OR ".join(
            lo.distinct(f"billing_bill.{c}", f"agg.{c}") for c in [*amounts, "number", "due_date"]
        )
        lo.execute(
            f"UPDATE billing_bill SET loaded_at = CASE WHEN {moved} THEN %s "
            f"ELSE billing_bill.loaded_at END, {sets}, number = agg.number, "
            "due_date = agg.due_date, issued_on = coalesce(agg.issued_on, billing_bill.issued_on) "
            f"FROM (SELECT t.bill_id, {sums}, max(t.number) AS number, "
            "min(t.due_date) AS due_date, max(s.issued_on) AS issued_on "
            f"FROM billing_billsection t JOIN billing_bill b ON b.id = t.bill_id "
            f"JOIN (SELECT account_id, period, max(issued_on) AS issued_on FROM {stage} "
            "GROUP BY account_id, period) s "
            "ON s.account_id = b.account_id AND s.period = b.period "
            "GROUP BY t.bill_id) agg "
            f"WHERE billing_bill.id = agg.bill_id AND ({changed} OR "
            + lo.distinct(
                "billing_bill.issued_on", "coalesce(agg.issued_on, billing_bill.issued_on)"
            )
            + ")",
            [now],
        )
        return counts

    def touched_accounts(self) -> str:
        return f"SELECT account_id FROM {self.stage.name}"
