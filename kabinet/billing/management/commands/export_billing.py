from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kabinet.billing.exchange.exports import (
    EXPORT_FORMATS,
    export_kinds,
    write_export,
    write_export_parts,
)

# Same as import_billing: 2 is a usage error, so a scheduler can tell it from a failed export.
USAGE_ERROR = 2


def parse_moment(text: str, option: str) -> dt.datetime:
    """An ISO 8601 date or date-time; without an offset it is in settings.TIME_ZONE.

    A date means its midnight, so ``--since 2026-10-01 --until 2026-11-01`` is October.
    """
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"{option}: не удалось разобрать «{text}»; нужна дата или дата и время ISO 8601, "
            "например 2026-10-01, 2026-10-01T00:00 или 2026-10-01T00:00+03:00",
            returncode=USAGE_ERROR,
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


class Command(BaseCommand):
    help = (
        "Write what customers submitted in the portal (readings, card payments) between --since "
        "and --until into files for billing (docs/exchange.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = list(export_kinds())
        parser.add_argument(
            "--since",
            required=True,
            help="start, inclusive: ISO date or date-time (settings.TIME_ZONE without an offset)",
        )
        parser.add_argument("--until", help="end, exclusive; default: now")
        parser.add_argument(
            "--kind",
            action="append",
            choices=kinds,
            help=f"repeat for several; default: all ({', '.join(kinds)})",
        )
        parser.add_argument("--out", type=Path, help="folder; default: var/exports/")
        parser.add_argument("--format", choices=EXPORT_FORMATS, default="csv")
        parser.add_argument(
            "--per-recipient",
            action="store_true",
            help=(
                "payments_registry: one file per recipient settlement account, named "
                "INN_ACCOUNT_YYYYMMDD as banks name registries"
            ),
        )
        parser.add_argument(
            "--no-header",
            action="store_true",
            help="CSV without the header row (positional, as bank registries are)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = parse_moment(options["since"], "--since")
        until = parse_moment(options["until"], "--until") if options["until"] else timezone.now()
        if until <= since:
            raise CommandError(
                f"--until ({until.isoformat()}) должно быть позже --since ({since.isoformat()})",
                returncode=USAGE_ERROR,
            )
        available = export_kinds()
        # dict.fromkeys drops a kind given twice while keeping the order given.
        names = list(dict.fromkeys(options["kind"] or available))
        out_dir: Path = options["out"] or Path(settings.VAR_DIR) / "exports"

        per_recipient = options["per_recipient"]
        if per_recipient:
            unsplit = [name for name in options["kind"] or [] if available[name].parts is None]
            if unsplit:
                raise CommandError(
                    f"--per-recipient: «{', '.join(unsplit)}» не делится по получателям; "
                    "по получателям пишется payments_registry",
                    returncode=USAGE_ERROR,
                )
        written = {
            "since": since,
            "until": until,
            "out_dir": out_dir,
            "fmt": options["format"],
            "header": not options["no_header"],
        }
        for name in names:
            kind = available[name]
            if per_recipient and kind.parts is not None:
                results = write_export_parts(kind, **written)
                if not results:
                    self.stdout.write(f"[{name}] за период ничего нет, файлы не созданы")
            else:
                results = [write_export(kind, **written)]
            for result in results:
                self.stdout.write(f"{result.path}: {result.rows} строк [{result.kind}]")
