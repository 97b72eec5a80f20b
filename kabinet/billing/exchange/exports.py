"""Export to billing: a registry of kinds and the writer that turns one kind into a file.

Billing sits below metering and payments, so it cannot import their models. Each of those apps
describes its kind of export (columns and a row source) and registers it from its
AppConfig.ready(); ``manage.py export_billing`` only ever talks to this registry.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from django.utils import timezone

ExportFormat = Literal["csv", "jsonl"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "jsonl")


@dataclass(frozen=True)
class ExportPart:
    """One file of a kind written in parts (a bank registry per recipient account).

    ``name`` is the file name without its extension; ``rows`` and ``comments`` are as the
    kind's, for this part only.
    """

    name: str
    rows: Callable[[], Iterable[Sequence[str]]]
    comments: Callable[[], Sequence[str]] | None = None


@dataclass(frozen=True)
class ExportKind:
    """One kind of export file.

    ``rows(since, until)`` yields one sequence of strings per row, in the order of ``columns``,
    for what was submitted in ``[since, until)``; an empty string means "no value". It should
    stream (``QuerySet.iterator``) so a month of a large utility never sits in memory.
    """

    name: str
    columns: tuple[str, ...]
    rows: Callable[[dt.datetime, dt.datetime], Iterable[Sequence[str]]]
    # CSV only: the file's encoding (characters it lacks become "?"), and "#" comment lines
    # written before the header (a bank registry's totals; the importer skips them too).
    encoding: str = "utf-8"
    comments: Callable[[dt.datetime, dt.datetime], Sequence[str]] | None = None
    # Kinds that can be split into several files (``export_billing --per-recipient``).
    parts: Callable[[dt.datetime, dt.datetime], Sequence[ExportPart]] | None = None


@dataclass(frozen=True)
class ExportResult:
    kind: str
    path: Path
    rows: int


_KINDS: dict[str, ExportKind] = {}


def register_export(kind: ExportKind) -> ExportKind:
    """Add ``kind`` to the registry; registering the same name twice is a programming error."""
    existing = _KINDS.get(kind.name)
    if existing is not None and existing != kind:
        raise ValueError(f"export kind {kind.name!r} is already registered")
    _KINDS[kind.name] = kind
    return kind


def export_kinds() -> dict[str, ExportKind]:
    """Registered kinds by name, in registration order (the order of INSTALLED_APPS)."""
    return dict(_KINDS)


def export_file_name(kind: str, since: dt.datetime, until: dt.datetime, fmt: ExportFormat) -> str:
    """``readings_2026-10-01_2026-11-01.csv``; a bound that is not midnight keeps its time."""
    return f"{kind}_{_name_part(since)}_{_name_part(until)}.{fmt}"


def _name_part(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    if local.time() == dt.time(0, 0):
        return f"{local:%Y-%m-%d}"
    # No colons: the file often travels through Windows shares on its way to billing.
    return f"{local:%Y-%m-%dT%H%M%S}"


def write_export(
    kind: ExportKind,
    *,
    since: dt.datetime,
    until: dt.datetime,
    out_dir: Path,
    fmt: ExportFormat = "csv",
    header: bool = True,
) -> ExportResult:
    """Write the rows of ``kind`` submitted in ``[since, until)`` into ``out_dir``.

    CSV is UTF-8 without BOM (or the kind's encoding), ``;``-separated, with a header row
    (unless ``header`` is false: positional, as bank registries are); JSON lines hold one
    object per row with ``null`` for an empty value. The file appears under its final name only
    once it is complete, so a billing system that polls the folder never reads half a file. An
    existing file of the same name is replaced.
    """
    path = out_dir / export_file_name(kind.name, since, until, fmt)
    comments = kind.comments
    return _write_file(
        kind,
        path,
        lambda: kind.rows(since, until),
        None if comments is None else (lambda: comments(since, until)),
        fmt,
        header,
    )


def write_export_parts(
    kind: ExportKind,
    *,
    since: dt.datetime,
    until: dt.datetime,
    out_dir: Path,
    fmt: ExportFormat = "csv",
    header: bool = True,
) -> list[ExportResult]:
    """Write ``kind`` as its parts, one file each named by the part (``kind.parts`` is set).

    A part with no rows in the range is not written; no parts, no files.
    """
    if kind.parts is None:
        raise ValueError(f"export kind {kind.name!r} is not written in parts")
    return [
        _write_file(kind, out_dir / f"{part.name}.{fmt}", part.rows, part.comments, fmt, header)
        for part in kind.parts(since, until)
    ]


def _write_file(
    kind: ExportKind,
    path: Path,
    rows: Callable[[], Iterable[Sequence[str]]],
    comments: Callable[[], Sequence[str]] | None,
    fmt: ExportFormat,
    header: bool,
) -> ExportResult:
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    out_dir = path.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    # The pid keeps two exports of the same range started at once from sharing a half-file.
    part = out_dir / f".{path.name}.{os.getpid()}.part"
    try:
        encoding = kind.encoding if fmt == "csv" else "utf-8"
        with part.open("w", encoding=encoding, errors="replace", newline="") as handle:
            if fmt == "csv" and comments is not None:
                for comment in comments():
                    handle.write(f"#{comment}\r\n")
            count = _write_rows(handle, kind, rows(), fmt, header)
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return ExportResult(kind=kind.name, path=path, rows=count)


def _write_rows(
    handle: IO[str],
    kind: ExportKind,
    rows: Iterable[Sequence[str]],
    fmt: ExportFormat,
    header: bool = True,
) -> int:
    width = len(kind.columns)
    writer = csv.writer(handle, delimiter=";")
    if fmt == "csv" and header:
        writer.writerow(kind.columns)
    count = 0
    for row in rows:
        if len(row) != width:
            raise ValueError(f"{kind.name}: a row has {len(row)} values for {width} columns")
        if fmt == "csv":
            writer.writerow(row)
        else:
            record = {
                column: (value or None) for column, value in zip(kind.columns, row, strict=True)
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
