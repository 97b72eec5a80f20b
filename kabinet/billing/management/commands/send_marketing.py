"""Queue a supplier's «рекламно-информационная рассылка» to those who chose it.

    manage.py send_marketing --supplier tesk --channel email --subject "…" --text "…"

Only customers subscribed to the supplier by that channel and with the marketing consent in
force get it (kabinet.billing.marketing); the outbox sends it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kabinet.billing.marketing import CHANNELS, send_marketing
from kabinet.billing.models import Supplier


class Command(BaseCommand):
    help = "Queue a supplier's marketing mailing to its subscribers with the consent in force."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--supplier", required=True, help="the supplier's code")
        parser.add_argument("--channel", required=True, choices=CHANNELS)
        parser.add_argument("--subject", default="", help="e-mail subject")
        parser.add_argument("--text", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        supplier = Supplier.objects.filter(code=options["supplier"]).first()
        if supplier is None:
            raise CommandError(
                f"Поставщик с кодом «{options['supplier']}» не найден.", returncode=2
            )
        mailing = send_marketing(
            supplier=supplier,
            channel=options["channel"],
            subject=options["subject"] or supplier.short_name,
            text=options["text"],
        )
        self.stdout.write(f"queued={mailing.queued} refused={mailing.refused}")
