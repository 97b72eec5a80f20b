"""The PostgreSQL fast path of the charges import: COPY the file, check it in SQL.

A month's charges file has millions of lines, and reading each cell in Python (engine.read_rows)
costs many times what PostgreSQL needs to COPY the same bytes. Here the file's body goes into a
temporary table of text columns with one COPY (PostgreSQL's own CSV reader), and one INSERT …
SELECT checks every cell and every rule of ChargesKind.add and stages the rows that pass into the
same stage table the Python path fills; ChargesKind.apply then writes them as before. The checks
use plain string functions: PostgreSQL's regular expressions cost more than the COPY itself.

The SQL checks are deliberately a *subset* of what the Python path accepts: a row passes only if
the Python path would read it to the same values. When any row does not pass (a bad cell, an
unknown account, a duplicate, a line whose amounts do not add up, or merely a form the SQL does
not read, such as quoted cells, blank lines or «л/с 00123»), everything done here is rolled back
to a savepoint and the file goes through the Python path, which reports every error with its line
and message. So the fast path can only ever load what the Python path would load, to the same
rows, and a refused file gets the Python path's exact report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from django.db import DatabaseError, connection, transaction

from kabinet.billing.exchange.engine import Kind, Report, column_positions

logger = logging.getLogger(__name__)

# Whatever str.strip() removes: the Python path strips every cell with it, so must the SQL.
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
RAW_TABLE = "kabinet_stage_raw_cells"
COPY_CHUNK = 1 << 20
# The hash joins over a million accounts: the default 4 MB would spill them to disk.
WORK_MEM = "128MB"
DIGITS = "0123456789"
# Below this, any plan is quick and sampling the raw table costs more than it saves.
ANALYZE_AFTER_LINES = 10_000


class _Fallback(Exception):
    """Roll the fast path back to its savepoint; the Python path takes the file."""


@dataclass(frozen=True)
class Cell:
    """How the SQL reads one column. In `value`, `@v` stands for the cell's text as COPY read it
    (NULL when empty, and not trimmed: the checks refuse surrounding spaces where the Python
    path would strip them, and the file then goes that way); `check` may also use `@x`, the
    value. A value that cannot be made (a cast PostgreSQL refuses) stops the statement, and the
    file goes the Python way too."""

    check: str  # true when the text reads as the Python parser reads it
    value: str
    type: str = "text"  # of the value, for a column the file leaves out
    decimal: bool = False  # its characters are checked with the row's other decimals

    def check_of(self, column: str) -> str:
        return self.check.replace("@v", f"{column}__text").replace("@x", column)

    def value_of(self, column: str) -> str:
        return self.value.replace("@v", column)


def code(max_length: int) -> Cell:
    """A code looked up by exact match (supplier, service): an unknown one fails the join."""
    return Cell(f"char_length(@v) <= {max_length}", "@v")


def text(max_length: int) -> Cell:
    """Free text, stripped as Python strips it."""
    return Cell(f"coalesce(char_length(@x) <= {max_length}, true)", "nullif(btrim(@v, %(ws)s), '')")


def decimal(places: int, *, negative: bool = True) -> Cell:
    """What values.decimal_parser reads: -?digits{1,12}([.,]digits{1,places})?. The row's
    decimals together are checked to hold only ASCII digits and `-.,` with a digit on both
    sides of every separator (decimal_row_check); the cast refuses the rest («1.2.3», «1-»)."""
    sign = "" if negative else " AND strpos(@v, '-') = 0"
    return Cell(
        f"scale(@x) <= {places} AND abs(@x) < 1e12{sign}",
        "replace(@v, ',', '.')::numeric",
        "numeric",
        decimal=True,
    )


def decimal_row_check(columns: Sequence[str]) -> str:
    cells = " || ';' || ".join(f"coalesce({c}__text, '')" for c in columns)
    joined = f"translate(';' || {cells} || ';', ',', '.')"
    return (
        f"translate({joined}, '{DIGITS};.-', '') = '' AND strpos({joined}, ';.') = 0 "
        f"AND strpos({joined}, '.;') = 0 AND strpos({joined}, '-.') = 0"
    )


def choice(options: dict[str, str]) -> Cell:
    # Exact lower-case words only; «Day» goes the Python way, which lower-cases it.
    cases = " ".join(f"WHEN '{k}' THEN '{value}'" for k, value in options.items() if k)
    return Cell("@x IS NOT NULL", f"CASE @v {cases} END")


# YYYY-MM, YYYY-MM-01 or MM.YYYY, as core.periods.parse_period reads them; the date cast
# refuses a month that does not exist.
PERIOD = Cell(
    f"translate(@v, '{DIGITS}', '0000000000') IN ('0000-00', '00.0000', '0000-00-00') "
    "AND (char_length(@v) <> 10 OR right(@v, 3) = '-01') AND @x >= '1900-01-01'",
    f"CASE translate(@v, '{DIGITS}', '0000000000') WHEN '0000-00' THEN (@v || '-01')::date "
    "WHEN '00.0000' THEN (substr(@v, 4, 4) || '-' || left(@v, 2) || '-01')::date "
    "WHEN '0000-00-00' THEN @v::date END",
    "date",
)
# Account numbers of digits only: core.accounts.normalize_account_number then only drops the
# leading zeros. Prefixes («л/с», «№»), separators and letters go the Python way.
ACCOUNT = Cell(
    f"translate(@v, '{DIGITS}', '') = '' AND char_length(@v) <= 30",
    "coalesce(nullif(ltrim(@v, '0'), ''), '0')",
)


def stage_in_bulk(
    kind: Kind,
    cells: dict[str, Cell],
    select: Callable[[str], tuple[str, dict[str, Any]]],
    *,
    text_body: str,
    header: Sequence[str],
    header_line: int,
    progress: Callable[[int], None] | None,
) -> int | None:
    """Stage the rows of a CSV file's body through COPY and SQL; None to use the Python path.

    `cells` reads each of the kind's columns; `select(typed)` gets a subquery of the body's
    rows, each with its `line`, every column by name (its value, NULL where empty) and `cells_ok`
    (every cell reads as in Python, every required one is there), and returns the INSERT …
    SELECT into the kind's stage of the rows that pass every check, with its parameters.
    Returns the rows read.
    """
    if connection.vendor != "postgresql" or not text_body:
        return None
    # Quoted cells, blank lines and the like are the csv module's to read: COPY's CSV reader
    # would read some of them otherwise (a line of spaces, a quote inside a cell).
    if '"' in text_body or "\n\n" in text_body or "\n\r\n" in text_body or text_body[0] in "\r\n":
        return None
    probe = Report(1)
    index = column_positions(type(kind), header, probe)
    if probe.failed or len(index) != len(header):
        return None
    if set(cells) != {c.name for c in kind.columns}:
        raise RuntimeError(f"the bulk path of «{kind.name}» does not read every column")
    checks = []
    values = []
    decimals = []
    for column in kind.columns:
        cell, name = cells[column.name], column.name
        if name not in index:
            values.append(f"NULL::{cell.type} AS {name}")
            continue
        empty = "false" if column.required else "true"
        checks.append(f"CASE WHEN {name}__text IS NULL THEN {empty} ELSE {cell.check_of(name)} END")
        values.append(f"{cell.value_of(name)} AS {name}, {name} AS {name}__text")
        if cell.decimal:
            decimals.append(name)
    if decimals:
        checks.append(decimal_row_check(decimals))
    # OFFSET 0 keeps the inner query whole: each value is made once, not once per use above.
    typed = (
        f"SELECT *, coalesce({' AND '.join(checks) or 'true'}, false) AS cells_ok "
        f"FROM (SELECT {header_line} + line AS line, {', '.join(values)} "
        f"FROM {RAW_TABLE} OFFSET 0) cells"
    )
    sql, params = select(typed)
    by_position = sorted(index, key=index.__getitem__)
    lines = text_body.count("\n") + (not text_body.endswith("\n"))
    copied = 0
    fallback = False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            copied = _copy(cursor, text_body, by_position, progress)
            if copied != lines:
                raise _Fallback  # a line COPY reads as the end of data («\\.»)
            if copied >= ANALYZE_AFTER_LINES:
                # Statistics for the joins below: the table is new, PostgreSQL has none.
                cursor.execute(f"ANALYZE {RAW_TABLE}")
            # The planner cannot guess how many rows pass the cell checks (all of them, in a
            # file that loads) and would probe the accounts' index once per row.
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute(sql, {"ws": WHITESPACE, **params})
            staged = max(cursor.rowcount, 0)
            cursor.execute("SET LOCAL enable_nestloop = on")
            if staged != copied or not kind.bulk_staged_ok(cursor):
                raise _Fallback
            cursor.execute(f"DROP TABLE {RAW_TABLE}")
    except _Fallback:
        logger.info("bulk %s: some rows need the Python path's check", kind.name)
        fallback = True
    except (DatabaseError, psycopg.Error) as error:  # COPY runs on psycopg's own cursor
        # A line of the wrong width, a stray carriage return: COPY refuses what the csv module
        # may read, or reports better. The Python path gets the file.
        logger.info("bulk %s: COPY refused the file: %s", kind.name, error)
        fallback = True
    if fallback:
        if progress is not None and copied:
            progress(-copied)
        return None
    return copied


def _copy(
    cursor: Any, text_body: str, columns: Sequence[str], progress: Callable[[int], None] | None
) -> int:
    """COPY the body into a new raw table of text columns, lines numbered from 1; the lines."""
    data = text_body.encode("utf-8")
    listed = ", ".join(columns)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {RAW_TABLE} (line bigint GENERATED ALWAYS AS IDENTITY, "
        + ", ".join(f"{name} text" for name in columns)
        + ") ON COMMIT DROP"
    )
    raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no COPY
    reported = 0
    with raw.copy(
        f"COPY {RAW_TABLE} ({listed}) FROM STDIN (FORMAT csv, DELIMITER ';', QUOTE '\"')"
    ) as copy:
        for offset in range(0, len(data), COPY_CHUNK):
            chunk = data[offset : offset + COPY_CHUNK]
            copy.write(chunk)
            if progress is not None:
                newlines = chunk.count(b"\n")
                progress(newlines)
                reported += newlines
    copied = max(raw.rowcount, 0)
    if progress is not None:
        progress(copied - reported)  # a last line without its newline
    return copied
