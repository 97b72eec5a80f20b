from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kabinet.billing.exchange.engine import KINDS
from kabinet.billing.exchange.files import ENCODINGS
from kabinet.billing.exchange.importer import import_files
from kabinet.billing.models import ImportBatch


class Command(BaseCommand):
    help = "Load billing files (docs/exchange.md). Exits 1 when any file is rejected."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--kind", choices=sorted(KINDS), help="kind of every file given")
        parser.add_argument("--encoding", choices=sorted(ENCODINGS), help="default: detect")
        parser.add_argument("--user", default="", help="who runs the import (for the log)")
        parser.add_argument(
            "--max-errors", type=int, default=100, help="errors printed per file (all are counted)"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["paths"]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"Нет такого файла: {path}", returncode=2)
        encoding = ENCODINGS[options["encoding"]] if options["encoding"] else None
        max_errors: int = options["max_errors"]
        rejected = 0

        def show(batch: ImportBatch) -> None:
            nonlocal rejected
            name = Path(batch.file_name).name
            if batch.status == ImportBatch.Status.LOADED:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{name} [{batch.kind}]: {batch.rows} строк — добавлено {batch.inserted}, "
                        f"изменено {batch.updated}, без изменений {batch.unchanged} "
                        f"(загрузка №{batch.pk})"
                    )
                )
                return
            rejected += 1
            self.stderr.write(self.style.ERROR(f"{name} [{batch.kind}]: {batch.message}"))
            for error in batch.errors[:max_errors]:
                where = f"строка {error['line']}"
                if error["column"]:
                    where += f", столбец «{error['column']}»"
                self.stderr.write(f"  {name}: {where}: {error['message']}")
            if batch.error_count > max_errors:
                self.stderr.write(f"  … и ещё {batch.error_count - max_errors} ошибок")

        try:
            import_files(
                paths,
                kind=options["kind"],
                encoding=encoding,
                started_by=options["user"],
                # A bar on a terminal, a line per tenth of each file in a log (importer).
                progress=not options["no_progress"],
                on_batch=show,
            )
        except ValueError as error:
            raise CommandError(str(error), returncode=2) from None
        if rejected:
            sys.exit(1)
