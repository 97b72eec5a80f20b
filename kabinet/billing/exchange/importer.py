"""import_files(): load billing files, each in one transaction, each recorded as an ImportBatch."""

from __future__ import annotations

import getpass
import hashlib
import logging
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from kabinet.billing import versions
from kabinet.billing.exchange.engine import (
    KINDS,
    Counts,
    Kind,
    Loader,
    Lookups,
    Problem,
    Report,
    read_rows,
)
from kabinet.billing.exchange.files import FileProblem, csv_rows, decode, jsonl_rows
from kabinet.billing.models import ImportBatch

logger = logging.getLogger(__name__)

KEPT_ERRORS = 1000
# A file that writes this many rows into a table refreshes the table's planner statistics at
# once. Until autovacuum gets to a freshly loaded table, PostgreSQL plans with none: on a
# freshly loaded database the readings check scanned a whole index instead of the meter's few
# rows.
ANALYZE_AFTER_ROWS = 1000


# Kinds that can stage a clean CSV file in bulk (charges, on PostgreSQL) do; tests turn it off to
# compare the two paths.
BULK = True


def _below_line(text: str, line: int) -> str:
    """The text after its first `line` lines."""
    offset = 0
    for _ in range(line):
        found = text.find("\n", offset)
        if found < 0:
            return ""
        offset = found + 1
    return text[offset:]


class _Rejected(Exception):
    """Raised inside the transaction to roll back a file that had errors."""


def kind_for(path: Path, forced: str | None = None) -> str | None:
    """The kind of a file: forced by --kind, or the longest kind name that starts its name."""
    if forced:
        return forced if forced in KINDS else None
    name = path.name.lower()
    matches = [k for k in KINDS if name.startswith(k)]
    return max(matches, key=len) if matches else None


def _archive(batch: ImportBatch, path: Path) -> None:
    folder = Path(settings.IMPORT_ARCHIVE_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, folder / f"{batch.pk:06d}_{path.name}")


def _load(
    kind_class: type[Kind],
    path: Path,
    data: bytes,
    encoding: str | None,
    lookups: Lookups,
    report: Report,
    batch: ImportBatch,
    progress: Callable[[int], None] | None,
) -> tuple[int, Counts]:
    source = decode(path, data, encoding)
    batch.encoding = source.encoding
    batch.file_format = source.file_format
    rows_read = 0
    counts = Counts()
    loader = Loader(report)
    try:
        with transaction.atomic():
            kind = kind_class(lookups, loader, report)
            if source.file_format == "csv":
                header, header_line, rows = csv_rows(source.text)
                report.line = header_line
                staged = None
                if BULK:
                    staged = kind.bulk(
                        _below_line(source.text, header_line), header, header_line, progress
                    )
                if staged is not None:
                    rows_read = staged
                else:
                    rows_read = read_rows(kind_class, header, rows, report, kind.add, progress)
            else:
                rows_read = read_rows(
                    kind_class, [], jsonl_rows(source.text), report, kind.add, progress
                )
            if not report.failed:
                kind.check()
            if report.failed:
                raise _Rejected
            loader.flush_all()
            counts = kind.apply()
            touched = kind.touched_accounts()
            if touched is not None:
                loader.execute(versions.bump_sql(touched))
            loader.drop_all()
    except _Rejected:
        return rows_read, counts
    _refresh_statistics(loader.written)
    return rows_read, counts


def _refresh_statistics(written: dict[str, int]) -> None:
    tables = sorted(table for table, rows in written.items() if rows >= ANALYZE_AFTER_ROWS)
    with connection.cursor() as cursor:
        for table in tables:  # names from the code's own models, never from the file
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def import_file(
    path: Path,
    *,
    kind: str,
    lookups: Lookups,
    encoding: str | None = None,
    started_by: str = "",
    user: Any = None,
    progress: Callable[[int], None] | None = None,
) -> ImportBatch:
    data = path.read_bytes()
    batch = ImportBatch.objects.create(
        kind=kind,
        file_name=str(path),
        file_sha256=hashlib.sha256(data).hexdigest(),
        started_by=started_by or getpass.getuser(),
        user=user,
    )
    report = Report(KEPT_ERRORS)
    counts = Counts()
    try:
        _archive(batch, path)
        batch.rows, counts = _load(
            KINDS[kind], path, data, encoding, lookups, report, batch, progress
        )
    except FileProblem as problem:
        report.line = problem.line
        report(problem.column, problem.message)
    except DatabaseError as error:
        # Validation should make this impossible; if the database still refuses, nothing was
        # written (the transaction rolled back) and support gets the reason.
        logger.exception("import of %s failed in the database", path)
        batch.status = ImportBatch.Status.FAILED
        batch.message = f"Ошибка базы данных, ничего не загружено: {error}"
    except Exception as error:
        # A bug met by a file nobody foresaw: the file's transaction rolled back, and the batch
        # must say so and where, not stay «running» forever; the next file still loads.
        logger.exception("import of %s failed at line %s", path, report.line)
        batch.status = ImportBatch.Status.FAILED
        batch.message = (
            f"Внутренняя ошибка на строке {report.line}, ничего не загружено: "
            f"{type(error).__name__}. Сообщите в поддержку."
        )
        report("", batch.message)
    except BaseException:
        # Interrupted (Ctrl+C, the worker stopped): nothing was written, and the record says so.
        batch.status = ImportBatch.Status.FAILED
        batch.message = "Загрузка прервана, ничего не загружено."
        batch.finished_at = timezone.now()
        batch.save()
        raise
    batch.errors = [
        {"file": path.name, "line": p.line, "column": p.column, "message": p.message}
        for p in report.problems
    ]
    batch.error_count = report.count
    if batch.status != ImportBatch.Status.FAILED:
        if report.failed:
            batch.status = ImportBatch.Status.REJECTED
            batch.message = f"Найдено ошибок: {report.count}. Файл не загружен, данные не изменены."
        else:
            batch.status = ImportBatch.Status.LOADED
            batch.inserted, batch.updated, batch.unchanged = (
                counts.inserted,
                counts.updated,
                counts.unchanged,
            )
            batch.message = (
                f"Загружено: добавлено {counts.inserted}, изменено {counts.updated}, "
                f"без изменений {counts.unchanged}."
            )
    batch.finished_at = timezone.now()
    batch.save()
    return batch


def problems_of(batch: ImportBatch) -> list[Problem]:
    return [Problem(e["line"], e["column"], e["message"]) for e in batch.errors]


def import_files(
    paths: Sequence[Path],
    *,
    kind: str | None = None,
    encoding: str | None = None,
    started_by: str = "",
    user: Any = None,
    progress: bool = False,
    on_batch: Callable[[ImportBatch], None] | None = None,
) -> list[ImportBatch]:
    """Import files in dependency order (accounts before the charges that refer to them).

    Each file loads in its own transaction or not at all; the result has one ImportBatch per
    file in the order they were processed. Raises ValueError for a file whose kind is unknown.
    """
    typed: list[tuple[int, str, Path]] = []
    for path in paths:
        name = kind_for(path, kind)
        if name is None:
            known = ", ".join(sorted(KINDS))
            raise ValueError(
                f"{path.name}: не понять, что в файле. Имя должно начинаться с одного из: "
                f"{known} — или укажите --kind."
            )
        typed.append((KINDS[name].order, name, path))
    typed.sort(key=lambda item: item[0])
    batches = []
    lookups = Lookups()
    for _, name, path in typed:
        bar = _progress_bar(path, progress)
        try:
            batch = import_file(
                path,
                kind=name,
                lookups=lookups,
                encoding=encoding,
                started_by=started_by,
                user=user,
                progress=bar.update if bar is not None else None,
            )
        finally:
            if bar is not None:
                bar.close()
        lookups.forget_accounts()
        batches.append(batch)
        if on_batch is not None:
            on_batch(batch)
    return batches


def _progress_bar(path: Path, enabled: bool) -> Any:
    if not enabled:
        return None
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    total = max(lines - 1, 0)
    if not sys.stderr.isatty():
        return ProgressLines(path.name, total)
    from tqdm import tqdm

    return tqdm(total=total, desc=path.name, unit=" строк", leave=False)


class ProgressLines:
    """Progress for a log or a pipe, where a bar would be noise: a line per tenth of the file.

    Updates may be negative: a bulk load that falls back to reading row by row starts over."""

    STEPS = 10

    def __init__(self, name: str, total: int, stream: TextIO | None = None) -> None:
        self.name = name
        self.total = total
        self.done = 0
        self.shown = 0  # tenths already printed
        self.stream = stream or sys.stderr
        self.started = time.monotonic()

    def update(self, rows: int) -> None:
        self.done += rows
        if rows < 0:
            self.shown = min(self.shown, self.done * self.STEPS // max(self.total, 1))
            return
        tenth = min(self.done * self.STEPS // max(self.total, 1), self.STEPS)
        if tenth > self.shown:
            self.shown = tenth
            seconds = time.monotonic() - self.started
            line = (
                f"{self.name}: {tenth * 100 // self.STEPS} % ({self.done:,} из {self.total:,} "
                f"строк, {seconds:.0f} с)".replace(",", " ")
            )
            self.stream.write(line + "\n")
            self.stream.flush()

    def close(self) -> None:
        return None
