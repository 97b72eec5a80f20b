"""Kinds of billing file owned by metering: meters, and readings (billing's and its answers)."""

from __future__ import annotations

import re
from decimal import Decimal

from kabinet.billing.exchange import values as v
from kabinet.billing.exchange.engine import Column, Counts, Kind, Row, register
from kabinet.metering.models import Meter, Reading

_CAPACITY_RE = re.compile(r"^(\d{1,2})[.,](\d)$")


def capacity(text: str) -> tuple[int, int]:
    """Digit capacity «6.3»: 6 integer and 3 fraction digits."""
    match = _CAPACITY_RE.match(text)
    if not match:
        raise v.ValueProblem(f"«{text}»: разрядность пишется как 6.3 (целых.дробных).")
    integer, fraction = int(match.group(1)), int(match.group(2))
    if not 1 <= integer <= 10 or fraction > 4:
        raise v.ValueProblem(f"«{text}»: от 1 до 10 целых и не больше 4 дробных разрядов.")
    return integer, fraction


def zones(text: str) -> int:
    if text not in {"1", "2", "3"}:
        raise v.ValueProblem(f"«{text}»: у прибора 1, 2 или 3 тарифные зоны.")
    return int(text)


@register
class MetersKind(Kind):
    name = "meters"
    order = 20
    title = "Приборы учёта"
    columns = (
        Column("supplier", v.text(32), required=True),
        Column("meter_id", v.text(64), required=True),
        Column("account", v.account_number, required=True),
        Column("branch", v.text(32)),
        Column("service", v.text(32), required=True),
        Column("serial_number", v.text(64), required=True),
        Column("model", v.text(120)),
        Column("kind", v.choice({k.value: k.value for k in Meter.Kind})),
        Column("zones", zones),
        Column("capacity", capacity),
        Column("ratio", v.decimal_parser(2, allow_negative=False, label="коэффициент")),
        Column("location", v.text(160)),
        Column("installed_on", v.date),
        Column("verified_on", v.date),
        Column("verification_due", v.date),
        Column("automatic", v.flag),
        Column("removed_on", v.date),
    )
    STAGE = [("supplier_id", "int"), ("external_id", "text"), ("account_id", "int"),
             ("service_id", "int"), ("serial_number", "text"), ("model", "text"),
             ("kind", "text"), ("zones", "int"), ("integer_digits", "int"),
             ("fraction_digits", "int"), ("transformation_ratio", "decimal"),
             ("location", "text"), ("installed_on", "date"), ("verified_on", "date"),
             ("verification_due", "date"), ("is_automatic", "bool"),
             ("removed_on", "date")]  # fmt: skip

    def begin(self) -> None:
        self.stage = self.loader.stage("meters", self.STAGE)

    def add(self, row: Row) -> None:
        found = self.account(row)
        service = self.service(row)
        if found is None or service is None:
            return
        if row["ratio"] is not None and row["ratio"] == 0:
            self.report("ratio", "Коэффициент трансформации не может быть нулём.")
            return
        if row["installed_on"] and row["removed_on"] and row["removed_on"] < row["installed_on"]:
            self.report("removed_on", "Дата снятия раньше даты установки.")
            return
        if not self.unique((found[0], row["meter_id"]), "meter_id"):
            return
        integer, fraction = row["capacity"] or (6, 0)
        self.stage.add(
            (
                found[0],
                row["meter_id"],
                found[2],
                service[0],
                row["serial_number"],
                row["model"] or "",
                row["kind"] or Meter.Kind.INDIVIDUAL,
                row["zones"] or 1,
                integer,
                fraction,
                row["ratio"] or Decimal("1"),
                row["location"] or "",
                row["installed_on"],
                row["verified_on"],
                row["verification_due"],
                bool(row["automatic"]),
                row["removed_on"],
            )
        )

    def apply(self) -> Counts:
        columns = [c for c, _ in self.STAGE]
        return self.loader.upsert(
            table="metering_meter",
            columns=columns,
            select=f"SELECT {', '.join(columns)} FROM {self.stage.name} WHERE true",
            key=["supplier_id", "external_id"],
            compare=columns[2:],
            exists=(
                f"SELECT count(*) FROM {self.stage.name} s JOIN metering_meter t "
                "ON t.supplier_id = s.supplier_id AND t.external_id = s.external_id"
            ),
        )

    def touched_accounts(self) -> str:
        return f"SELECT account_id FROM {self.stage.name}"


STATUSES = {
    "accepted": Reading.Status.ACCEPTED.value,
    "rejected": Reading.Status.REJECTED.value,
    "billed": Reading.Status.BILLED.value,
}
SOURCES = {
    s.value: s.value
    for s in (
        Reading.Source.BILLING,
        Reading.Source.INSPECTOR,
        Reading.Source.AUTOMATIC,
        Reading.Source.PORTAL,
    )
}


def _rank(column: str) -> str:
    """SQL for how far a status is along received → accepted/rejected → billed."""
    return f"CASE {column} WHEN 'received' THEN 0 WHEN 'billed' THEN 2 ELSE 1 END"


@register
class ReadingsKind(Kind):
    name = "readings"
    order = 60
    title = "Показания"
    columns = (
        Column("supplier", v.text(32), required=True),
        Column("meter_id", v.text(64), required=True),
        Column("reading_id", v.text(64)),
        Column("portal_id", v.whole_number),
        Column("taken_on", v.date),
        Column("period", v.period),
        Column("value_1", v.quantity_not_negative),
        Column("value_2", v.quantity_not_negative),
        Column("value_3", v.quantity_not_negative),
        Column("source", v.choice(SOURCES)),
        Column("status", v.choice(STATUSES), required=True),
        Column("reason", v.text(255)),
        Column("billed_period", v.period),
    )
    VALUES = ("value_1", "value_2", "value_3")

    def begin(self) -> None:
        self.meters: dict[int, dict[str, tuple[int, int, int, int, str]]] = {}
        self.answers: list[tuple[int, int, int]] = []  # (line, portal_id, meter_id)
        self.readings = self.loader.stage(
            "readings",
            [("meter_id", "int"), ("account_number", "text"), ("period", "date"),
             ("taken_on", "date"), ("source", "text"), ("status", "text"),
             ("reject_reason", "text"), ("billed_period", "date"), ("value_1", "decimal"),
             ("value_2", "decimal"), ("value_3", "decimal"), ("external_id", "text")],
        )  # fmt: skip
        self.answer_stage = self.loader.stage(
            "reading_answers",
            [("portal_id", "int"), ("status", "text"), ("reject_reason", "text"),
             ("billed_period", "date"), ("external_id", "text")],
        )  # fmt: skip

    def meter(self, supplier_id: int, external_id: str) -> tuple[int, int, int, int, str] | None:
        if supplier_id not in self.meters:
            self.meters[supplier_id] = {
                ext: (pk, zones_, integer, fraction, number)
                for pk, ext, zones_, integer, fraction, number in Meter.objects.filter(
                    supplier_id=supplier_id
                ).values_list(
                    "pk",
                    "external_id",
                    "zones",
                    "integer_digits",
                    "fraction_digits",
                    "account__number",
                )
            }
        return self.meters[supplier_id].get(external_id)

    def check_values(self, row: Row, zones_: int, integer: int, fraction: int) -> bool:
        ok = True
        for position, name in enumerate(self.VALUES, start=1):
            value: Decimal | None = row[name]
            if position <= zones_ and value is None:
                self.report(
                    name, f"У прибора {zones_} тарифн. зон(ы): нужно показание зоны {position}."
                )
                ok = False
            elif position > zones_ and value is not None:
                self.report(name, f"У прибора только {zones_} тарифн. зон(ы).")
                ok = False
            elif value is not None:
                exponent = value.as_tuple().exponent
                places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
                if places > fraction:
                    self.report(name, f"У прибора {fraction} знак(а) после запятой, а не {places}.")
                    ok = False
                elif value >= Decimal(10) ** integer:
                    self.report(name, f"Больше, чем помещается в {integer} разрядов прибора.")
                    ok = False
        return ok

    def add(self, row: Row) -> None:
        supplier_id = self.supplier(row)
        if supplier_id is None:
            return
        meter = self.meter(supplier_id, row["meter_id"])
        if meter is None:
            self.report("meter_id", f"Прибор учёта «{row['meter_id']}» у поставщика не найден.")
            return
        meter_id, zones_, integer, fraction, account_number = meter
        status = row["status"]
        if status == Reading.Status.REJECTED and not row["reason"]:
            self.report("reason", "Для отклонённого показания укажите причину.")
            return
        self.not_future_period(row, "billed_period")
        reading_id = row["reading_id"] or ""
        if reading_id and not self.unique((meter_id, reading_id), "reading_id"):
            return
        if row["portal_id"] is not None:
            if not self.unique(("portal", row["portal_id"]), "portal_id"):
                return
            self.answers.append((self.report.line, row["portal_id"], meter_id))
            self.answer_stage.add(
                (row["portal_id"], status, row["reason"] or "", row["billed_period"], reading_id)
            )
            return
        if not reading_id:
            self.report("reading_id", "Нужен reading_id (или portal_id для ответа на показание).")
            return
        for required in ("taken_on", "value_1"):
            if row[required] is None:
                self.report(required, "Обязательное поле не заполнено.")
                return
        self.not_future_date(row, "taken_on")
        if row["taken_on"] > self.lookups.today or not self.check_values(
            row, zones_, integer, fraction
        ):
            return
        self.readings.add(
            (
                meter_id,
                account_number,
                row["period"] or row["taken_on"].replace(day=1),
                row["taken_on"],
                row["source"] or Reading.Source.BILLING,
                status,
                row["reason"] or "",
                row["billed_period"],
                row["value_1"],
                row["value_2"],
                row["value_3"],
                reading_id,
            )
        )

    def check(self) -> None:
        """Answers must point at readings of the same meter that Kabinet has."""
        known: dict[int, int] = {}
        ids = [portal_id for _, portal_id, _ in self.answers]
        for start in range(0, len(ids), 1000):
            known.update(
                Reading.objects.filter(pk__in=ids[start : start + 1000]).values_list(
                    "pk", "meter_id"
                )
            )
        for line, portal_id, meter_id in self.answers:
            if known.get(portal_id) != meter_id:
                self.report("portal_id", f"Показание №{portal_id} этого прибора не найдено.", line)

    def apply(self) -> Counts:
        lo = self.loader
        columns = ["meter_id", "account_number", "period", "taken_on", "source", "status",
                   "reject_reason", "billed_period", "value_1", "value_2", "value_3",
                   "external_id"]  # fmt: skip
        counts = lo.upsert(
            table="metering_reading",
            columns=[*columns, "submitted_at"],
            select=f"SELECT {', '.join(columns)}, %s FROM {self.readings.name} WHERE true",
            key=["meter_id", "external_id"],
            key_where="NOT (external_id = '')",
            compare=columns[2:-1],
            exists=(
                f"SELECT count(*) FROM {self.readings.name} s JOIN metering_reading t "
                "ON t.meter_id = s.meter_id AND t.external_id = s.external_id"
            ),
            params=[lo.now_param()],
        )
        answered = ["status", "reject_reason", "billed_period"]
        changed = " OR ".join(lo.distinct(f"metering_reading.{c}", f"s.{c}") for c in answered)
        keep_id = (
            "CASE WHEN s.external_id = '' THEN metering_reading.external_id ELSE s.external_id END"
        )
        # Statuses only move forward (received → accepted | rejected → billed): an old answer
        # file loaded again, or out of order, never takes back what the customer already saw.
        updated = lo.execute(
            f"UPDATE metering_reading SET status = s.status, reject_reason = s.reject_reason, "
            f"billed_period = s.billed_period, external_id = {keep_id} "
            f"FROM {self.answer_stage.name} s WHERE metering_reading.id = s.portal_id "
            f"AND {_rank('s.status')} >= {_rank('metering_reading.status')} "
            f"AND ({changed} OR {lo.distinct('metering_reading.external_id', keep_id)})"
        )
        counts.updated += updated
        counts.unchanged += self.answer_stage.size - updated
        return counts

    def touched_accounts(self) -> str:
        return (
            "SELECT m.account_id FROM metering_meter m "
            f"WHERE m.id IN (SELECT meter_id FROM {self.readings.name}) "
            "OR m.id IN (SELECT r.meter_id FROM metering_reading r "
            f"WHERE r.id IN (SELECT portal_id FROM {self.answer_stage.name}))"
        )
