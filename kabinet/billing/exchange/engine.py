"""The import engine: validate every row, stage it, then apply set-based upserts.

A file is read once. Each row is parsed column by column and handed to its Kind, which resolves
references (supplier code → id, account number → id) and adds tuples to temporary *stage* tables.
Stages are filled in chunks while reading (COPY on PostgreSQL, executemany on SQLite) so memory
stays flat; as soon as one error is found staging stops, reading goes on to report every error,
and the transaction is rolled back. A clean file is applied with a few INSERT … SELECT … ON
CONFLICT statements inside the same transaction, so it loads completely or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

from kabinet.billing.exchange.values import Parser, ValueProblem, text

STAGE_CHUNK = 5000


@dataclass(frozen=True)
class Column:
    """A column of a kind of file: its name in the header, how to read it, whether it's required."""

    name: str
    parse: Parser
    required: bool = False


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    message: str


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


class Report:
    """Collects problems; `line` and `column` point at the cell being read."""

    def __init__(self, limit: int) -> None:
        self.problems: list[Problem] = []
        self.count = 0
        self.limit = limit
        self.line = 0

    def __call__(self, column: str, message: str, line: int | None = None) -> None:
        self.count += 1
        if len(self.problems) < self.limit:
            self.problems.append(Problem(self.line if line is None else line, column, message))

    @property
    def failed(self) -> bool:
        return self.count > 0


# Column types of stage tables, per database. SQLite uses the type names Django uses for the
# same fields, so values compare equal to the stored ones (NUMERIC affinity for decimals).
_STAGE_TYPES = {
    "postgresql": {
        "text": "text",
        "int": "bigint",
        "decimal": "numeric",
        "date": "date",
        "datetime": "timestamptz",
        "bool": "boolean",
    },
    "sqlite": {
        "text": "text",
        "int": "integer",
        "decimal": "decimal",
        "date": "date",
        "datetime": "datetime",
        "bool": "bool",
    },
}


def _sqlite_value(value: Any) -> Any:
    # The stored forms Django's SQLite backend uses: ISO text for dates, naive UTC for
    # datetimes, text for decimals (NUMERIC affinity turns it into a number).
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class Stage:
    """A temporary table filled in chunks while the file is read."""

    def __init__(self, loader: Loader, name: str, columns: Sequence[tuple[str, str]]) -> None:
        self.loader = loader
        self.name = f"kabinet_stage_{name}"
        self.columns = [c for c, _ in columns]
        self.buffer: list[tuple[Any, ...]] = []
        self.size = 0
        types = _STAGE_TYPES[loader.vendor]
        ddl = ", ".join(f"{c} {types[t]}" for c, t in columns)
        loader.execute(f"DROP TABLE IF EXISTS {self.name}")
        loader.execute(f"CREATE TEMPORARY TABLE {self.name} ({ddl})")

    def add(self, row: tuple[Any, ...]) -> None:
        if self.loader.report.failed:
            return  # nothing will be applied; keep reading only to report every error
        self.buffer.append(row)
        if len(self.buffer) >= STAGE_CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.buffer or self.loader.report.failed:
            self.buffer.clear()
            return
        self.loader.fill(self, self.buffer)
        self.size += len(self.buffer)
        self.buffer.clear()

    def drop(self) -> None:
        self.loader.execute(f"DROP TABLE IF EXISTS {self.name}")


class Loader:
    """Database-specific pieces: filling stages, and SQL that differs between the two."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.vendor = connection.vendor
        if self.vendor not in _STAGE_TYPES:
            raise NotImplementedError(
                f"import_billing supports PostgreSQL and SQLite, not {self.vendor}"
            )
        self.stages: list[Stage] = []
        self.now = timezone.now()
        self.written: dict[str, int] = {}  # table -> rows inserted or updated

    def stage(self, name: str, columns: Sequence[tuple[str, str]]) -> Stage:
        stage = Stage(self, name, columns)
        self.stages.append(stage)
        return stage

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return max(cursor.rowcount, 0)

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
            return row[0] if row else None

    def fill(self, stage: Stage, rows: list[tuple[Any, ...]]) -> None:
        columns = ", ".join(stage.columns)
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no COPY
                with raw.copy(f"COPY {stage.name} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(stage.columns))
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {stage.name} ({columns}) VALUES ({marks})",
                    [tuple(_sqlite_value(v) for v in row) for row in rows],
                )

    def flush_all(self) -> None:
        for stage in self.stages:
            stage.flush()

    def drop_all(self) -> None:
        for stage in self.stages:
            stage.drop()

    def distinct(self, left: str, right: str) -> str:
        """SQL that is true when two values differ, NULLs included."""
        if self.vendor == "postgresql":
            return f"{left} IS DISTINCT FROM {right}"
        return f"{left} IS NOT {right}"

    def now_param(self) -> Any:
        return self.now if self.vendor == "postgresql" else _sqlite_value(self.now)

    def upsert(
        self,
        *,
        table: str,
        columns: Sequence[str],
        select: str,
        key: Sequence[str],
        compare: Sequence[str],
        exists: str,
        key_where: str = "",
        touch: Sequence[str] = (),
        params: Sequence[Any] = (),
        exists_params: Sequence[Any] | None = None,
    ) -> Counts:
        """INSERT `select` into `table`; on a key conflict update `compare` columns if any differ.

        `select` yields rows in `columns` order (it must contain a WHERE clause: SQLite needs one
        before ON CONFLICT). `exists` (used on SQLite only) counts the staged rows whose key is
        already in the table, which with the statement's row count splits the result into
        inserted/updated/unchanged.
        `touch` columns (updated_at) are set on update but do not count as a change. `params`
        fill the placeholders of `select`; `exists_params` those of `exists` (default: none).
        """
        assignments = ", ".join(f"{c} = excluded.{c}" for c in [*compare, *touch])
        changed = " OR ".join(self.distinct(f"{table}.{c}", f"excluded.{c}") for c in compare)
        conflict = f"ON CONFLICT ({', '.join(key)})"
        if key_where:
            conflict += f" WHERE {key_where}"
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) {select} "
            f"{conflict} DO UPDATE SET {assignments} WHERE {changed}"
        )
        staged = int(self.scalar(f"SELECT count(*) FROM ({select}) AS rows_to_write", params) or 0)
        if self.vendor == "postgresql":
            # xmax is 0 on a freshly inserted row version: one statement tells inserts from
            # updates, without joining the stage against a table of many months.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"WITH written AS ({sql} RETURNING (xmax = 0) AS fresh) "
                    "SELECT count(*) FILTER (WHERE fresh), count(*) FILTER (WHERE NOT fresh) "
                    "FROM written",
                    params,
                )
                inserted, updated = cursor.fetchone()
            self.written[table] = self.written.get(table, 0) + inserted + updated
            return Counts(inserted=inserted, updated=updated, unchanged=staged - inserted - updated)
        existing = int(self.scalar(exists, exists_params or ()) or 0)
        written = self.execute(sql, params)
        self.written[table] = self.written.get(table, 0) + written
        inserted = staged - existing
        return Counts(
            inserted=inserted, updated=written - inserted, unchanged=existing - (written - inserted)
        )


class Lookups:
    """Reference data shared by the files of one run, loaded once and kept in memory."""

    def __init__(self) -> None:
        from kabinet.billing.models import Branch, Service, Supplier
        from kabinet.billing.requisites import requisites_problems

        self.suppliers: dict[str, tuple[int, ZoneInfo]] = {}
        # Recipients whose accounts fail the control key against their БИК, with the reason:
        # a bill naming one would print a QR that pays nobody (or somebody else).
        self.bad_requisites: dict[int, str] = {}
        for pk, code, zone, short_name, bic, settlement, correspondent in (
            Supplier.objects.values_list(
                "pk", "code", "time_zone", "short_name", "bic", "settlement_account",
                "correspondent_account",
            )
        ):  # fmt: skip
            self.suppliers[code] = (pk, ZoneInfo(zone))
            problems = requisites_problems(
                bic=bic, settlement_account=settlement, correspondent_account=correspondent
            )
            if problems:
                self.bad_requisites[pk] = (
                    f"Реквизиты получателя «{code}» ({short_name}) не проходят проверку: "
                    + " ".join(problems.values())
                    + " Исправьте их в настройках поставщика и загрузите файл снова: "
                    "по ним печатается QR-код оплаты."
                )
        self.branches: dict[tuple[int, str], int] = {
            (supplier_id, code): pk
            for pk, supplier_id, code in Branch.objects.values_list("pk", "supplier_id", "code")
        }
        self.services: dict[str, tuple[int, str]] = {
            code: (pk, unit) for pk, code, unit in Service.objects.values_list("pk", "code", "unit")
        }
        self._accounts: dict[int, dict[tuple[int | None, str], int]] = {}
        self.today = timezone.localdate()
        self.current_period = self.today.replace(day=1)
        self.default_zone = ZoneInfo(settings.TIME_ZONE)

    def accounts_of(self, supplier_id: int) -> dict[tuple[int | None, str], int]:
        from kabinet.billing.models import Account

        if supplier_id not in self._accounts:
            self._accounts[supplier_id] = {
                (branch_id, number): pk
                for pk, branch_id, number in Account.objects.filter(
                    supplier_id=supplier_id
                ).values_list("pk", "branch_id", "number")
            }
        return self._accounts[supplier_id]

    def forget_accounts(self) -> None:
        """Accounts loaded by an earlier file of the run must be visible to the next one."""
        self._accounts.clear()


Row = dict[str, Any]


class Kind:
    """A kind of billing file. Subclasses declare columns and implement `add` and `apply`."""

    name: ClassVar[str]
    order: ClassVar[int]
    title: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]

    def __init__(self, lookups: Lookups, loader: Loader, report: Report) -> None:
        self.lookups = lookups
        self.loader = loader
        self.report = report
        self.keys: dict[Any, int] = {}
        # Each account repeats on several consecutive lines of a month's file; only successful
        # resolutions are kept, so a bad reference is reported on every line that has it.
        self._resolved_accounts: dict[tuple[str, str | None, str], tuple[int, int | None, int]] = {}
        self.begin()

    def begin(self) -> None:
        """Create the stage tables this kind fills."""

    def add(self, row: Row) -> None:
        """Validate one parsed row beyond its cells and stage it; report what is wrong."""
        raise NotImplementedError

    def check(self) -> None:
        """Checks that need every row (references to rows in the database); report by line."""

    def apply(self) -> Counts:
        """Write the stages into the real tables; runs only when nothing was reported."""
        raise NotImplementedError

    def bulk(
        self,
        text_body: str,
        header: Sequence[str],
        header_line: int,
        progress: Callable[[int], None] | None,
    ) -> int | None:
        """Stage a CSV file's body (the text below its header line) in bulk on the database's
        own terms; the rows read, or None to read it row by row (this default)."""
        return None

    def bulk_staged_ok(self, cursor: Any) -> bool:
        """Checks of a bulk-staged file that need every row; False sends it the Python way."""
        return True

    def touched_accounts(self) -> str | None:
        """A SELECT of the ids of the accounts whose pages the applied file changed, for
        ``billing.versions``; None when the kind changes no account page."""
        return None

    # Helpers shared by kinds.

    def unique(self, key: Any, column: str) -> bool:
        """Report a natural key seen before in this file; True when the key is new."""
        first = self.keys.get(key)
        if first is not None:
            self.report(column, f"Повтор: та же запись уже есть в строке {first}.")
            return False
        self.keys[key] = self.report.line
        return True

    def supplier(self, row: Row, column: str = "supplier") -> int | None:
        code = row.get(column)
        if not code:
            return None
        found = self.lookups.suppliers.get(code)
        if found is None:
            self.report(column, f"Поставщик с кодом «{code}» не найден (заведите его в админке).")
            return None
        return found[0]

    def recipient_requisites(self, row: Row, recipient_id: int) -> bool:
        """Report a recipient whose bank requisites fail the control key; True when they pass.

        The column at fault is `recipient`, or `supplier` when the row leaves the recipient to
        default to it."""
        problem = self.lookups.bad_requisites.get(recipient_id)
        if problem is None:
            return True
        self.report("recipient" if row.get("recipient") else "supplier", problem)
        return False

    def supplier_zone(self, supplier_id: int) -> ZoneInfo:
        for pk, zone in self.lookups.suppliers.values():
            if pk == supplier_id:
                return zone
        return self.lookups.default_zone

    def branch(self, row: Row, supplier_id: int | None) -> tuple[bool, int | None]:
        code = row.get("branch")
        if not code:
            return True, None
        if supplier_id is None:
            return False, None
        found = self.lookups.branches.get((supplier_id, code))
        if found is None:
            self.report("branch", f"Филиал с кодом «{code}» у этого поставщика не найден.")
            return False, None
        return True, found

    def service(self, row: Row) -> tuple[int, str] | None:
        code = row.get("service")
        found = self.lookups.services.get(code or "")
        if found is None:
            self.report("service", f"Услуга с кодом «{code}» не найдена (заведите её в админке).")
        return found

    def account(self, row: Row) -> tuple[int, int | None, int] | None:
        """Resolve supplier + branch + account to (supplier_id, branch_id, account_id)."""
        key = (row["supplier"], row.get("branch"), row["account"])
        resolved = self._resolved_accounts.get(key)
        if resolved is not None:
            return resolved
        supplier_id = self.supplier(row)
        ok, branch_id = self.branch(row, supplier_id)
        if supplier_id is None or not ok:
            return None
        account_id = self.lookups.accounts_of(supplier_id).get((branch_id, row["account"]))
        if account_id is None:
            self.report("account", f"Лицевой счёт «{row['account']}» у поставщика не найден.")
            return None
        self._resolved_accounts[key] = (supplier_id, branch_id, account_id)
        return supplier_id, branch_id, account_id

    def not_future_period(self, row: Row, column: str = "period") -> None:
        value = row.get(column)
        if value is not None and value > self.lookups.current_period:
            self.report(column, "Период ещё не наступил.")

    def not_future_date(self, row: Row, column: str) -> None:
        value = row.get(column)
        if value is not None and value > self.lookups.today:
            self.report(column, "Дата в будущем.")


KINDS: dict[str, type[Kind]] = {}


def register(kind: type[Kind]) -> type[Kind]:
    KINDS[kind.name] = kind
    return kind


def supplier_code_column(name: str = "supplier", required: bool = True) -> Column:
    return Column(name, text(32), required)


def column_positions(
    kind: type[Kind], header: Sequence[str], report: Report, *, check_required: bool = True
) -> dict[str, int]:
    """Where each of the kind's columns is in the header; report unknown, repeated and missing
    required columns."""
    columns = {c.name for c in kind.columns}
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        key = name.strip().lower().lstrip("\ufeff")
        if key not in columns:
            report(name, f"Неизвестный столбец «{name}» для файла «{kind.name}».")
        elif key in index:
            report(name, f"Столбец «{name}» повторяется.")
        else:
            index[key] = position
    if check_required:
        for column in kind.columns:
            if column.required and column.name not in index:
                report(column.name, "Нет обязательного столбца.")
    return index


def read_rows(
    kind: type[Kind],
    header: Sequence[str],
    rows: Iterable[tuple[int, Sequence[str] | dict[str, str] | str]],
    report: Report,
    on_row: Callable[[Row], None],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Parse cells of every row by the kind's columns and pass each clean row to `on_row`.

    `header` is empty for JSON lines, whose objects name their own fields. Returns rows read.
    This loop runs once per cell of a file of a million rows, so the per-file work (which
    column is where, which parser reads it) is done before it.
    """
    columns = {c.name: c for c in kind.columns}
    is_json = not header
    if is_json:
        header = [c.name for c in kind.columns]
    index = column_positions(kind, header, report, check_required=not is_json)
    if report.failed:
        return 0
    plan = [(c.name, c.parse, c.required, index[c.name]) for c in kind.columns if c.name in index]
    template: Row = dict.fromkeys(columns)
    width = len(header)
    count = 0
    for line, cells in rows:
        count += 1
        report.line = line
        if progress is not None and count % 1000 == 0:
            progress(1000)
        if isinstance(cells, str):
            report("", cells)
            continue
        if isinstance(cells, dict):
            for name in cells:
                if name.strip().lower() not in columns:
                    report(name, f"Неизвестное поле «{name}» для файла «{kind.name}».")
            lowered = {k.strip().lower(): v for k, v in cells.items()}
            cells = [lowered.get(name, "") for name in header]
        elif len(cells) != width:
            report("", f"В строке {len(cells)} значений, а в заголовке {width} столбцов.")
            continue
        row = template.copy()
        clean = True
        for name, parse, required, position in plan:
            value = cells[position].strip()
            if value:
                try:
                    row[name] = parse(value)
                except ValueProblem as problem:
                    report(name, str(problem))
                    clean = False
            elif required:
                report(name, "Обязательное поле не заполнено.")
                clean = False
        if clean:
            on_row(row)
    if progress is not None:
        progress(count % 1000)
    return count
