from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kabinet.documents.models import BillMailing
from kabinet.documents.selectors import mailings_with_progress, progress_of
from kabinet.documents.services import CHUNK_SIZE, start_mailing


def period_argument(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").replace(day=1).date()  # noqa: DTZ007
    except ValueError:
        raise CommandError(_("Период — в виде ГГГГ-ММ, например 2026-09"), returncode=2) from None


class Command(BaseCommand):
    help = (
        "Print the progress of the monthly bill mailings; --start PERIOD plans and queues one "
        "(huey workers deliver it), --follow reprints until it is done."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", metavar="YYYY-MM", help="mail this period's bills")
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)
        parser.add_argument("--period", metavar="YYYY-MM", help="only this period's mailings")
        parser.add_argument("--limit", type=int, default=5, help="mailings shown (default 5)")
        parser.add_argument(
            "--follow", action="store_true", help="reprint every few seconds until done"
        )
        parser.add_argument("--interval", type=float, default=5.0, help="default 5 s")

    def handle(self, *args: Any, **options: Any) -> None:
        mailings = mailings_with_progress()
        if options["start"]:
            period = period_argument(options["start"])
            if options["chunk_size"] < 1:
                raise CommandError(_("В пачке не меньше одной привязки"), returncode=2)
            mailing = start_mailing(period=period, chunk_size=options["chunk_size"])
            mailings = mailings.filter(pk=mailing.pk)
        elif options["period"]:
            mailings = mailings.filter(period=period_argument(options["period"]))
        while True:
            shown = list(mailings[: options["limit"]])
            if not shown:
                self.stdout.write(_("Рассылок квитанций нет"))
                return
            for mailing in shown:
                self.stdout.write(self._line(mailing))
            if not options["follow"] or all(m.finished_at for m in shown):
                return
            time.sleep(options["interval"])

    def _line(self, mailing: BillMailing) -> str:
        p = progress_of(mailing)
        state = _("завершена") if mailing.finished_at else _("идёт")
        return _(
            "Рассылка №%(id)s за %(period)s (%(state)s): всего %(total)s, в очереди %(queued)s, "
            "отправлено %(sent)s, ошибок %(failed)s, пропущено %(skipped)s; "
            "пачек готово %(done)s из %(chunks)s"
        ) % {
            "id": mailing.pk,
            "period": f"{mailing.period:%m.%Y}",
            "state": state,
            "total": p.total,
            "queued": p.queued,
            "sent": p.sent,
            "failed": p.failed,
            "skipped": p.skipped,
            "done": p.chunks_done,
            "chunks": p.chunks,
        }
