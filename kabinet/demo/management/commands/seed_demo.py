from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kabinet.billing.models import Account
from kabinet.demo.notifications import add_demo_notifications
from kabinet.demo.people import (
    ensure_demo_admin,
    ensure_demo_customers,
    ensure_demo_operator,
    link_demo_customers,
)
from kabinet.demo.reference import ensure_reference_data
from kabinet.demo.simulation import DemoUtility
from kabinet.demo.support import add_demo_support


class Command(BaseCommand):
    help = (
        "Build a demo utility: suppliers, services and an admin, then billing files for N "
        "accounts over several months, loaded through import_billing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--accounts", type=int, default=1000, help="how many accounts")
        parser.add_argument("--months", type=int, default=24, help="months of history")
        parser.add_argument("--seed", type=int, default=42, help="same seed, same data")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when accounts already exist"
        )
        parser.add_argument("--out", type=Path, help="where to write the files (var/demo/)")

    def handle(self, *args: Any, **options: Any) -> None:
        accounts: int = options["accounts"]
        months: int = options["months"]
        if accounts < 1 or months < 1:
            raise CommandError("--accounts и --months должны быть больше нуля.")
        existing = Account.objects.count()
        if options["if_empty"] and existing:
            self.stdout.write(f"Демо-данные не загружены: в базе уже {existing} лицевых счетов.")
            return
        started = time.monotonic()
        suppliers = ensure_reference_data()
        self.stdout.write(f"Поставщики: {', '.join(s.short_name for s in suppliers.values())}.")
        username, created = ensure_demo_admin()
        if created:
            self.stdout.write(f"Создан администратор «{username}» (пароль: manage.py demo_logins).")
        else:
            self.stdout.write(f"Администратор «{username}» уже есть, пароль не менялся.")

        customers = ensure_demo_customers()
        if customers:
            names = ", ".join(c["login"] for c in customers)
            self.stdout.write(f"Созданы демо-клиенты: {names} (пароли: manage.py demo_logins).")

        out: Path = options["out"] or Path(settings.VAR_DIR) / "demo"
        utility = DemoUtility(accounts, months, options["seed"], today=timezone.localdate())
        self.stdout.write(
            f"Файлы биллинга: {accounts} лицевых счетов за {months} мес. "
            f"({utility.period(0):%m.%Y}–{utility.period(months - 1):%m.%Y}) → {out}"
        )
        files = utility.write(out, log=self.stdout.write)
        rows = ", ".join(f"{kind} {count}" for kind, count in files.rows.items())
        self.stdout.write(f"  записано за {time.monotonic() - started:.1f} с: {rows}")

        loading = time.monotonic()
        self.stdout.write("Загрузка через import_billing …")
        try:
            call_command(
                "import_billing",
                *(str(p) for p in files.paths),
                "--user",
                "seed_demo",
                stdout=self.stdout,
                stderr=self.stderr,
            )
        except SystemExit as exit_:
            # import_billing exits 1 when a file was rejected; the errors are printed above.
            if exit_.code:
                raise CommandError("Демо-файлы не загружены: см. ошибки выше.") from None
        if linked := link_demo_customers():
            self.stdout.write(f"Демо-клиентам привязано лицевых счетов: {linked}.")
        # The demo content of the apps above billing, after the accounts it refers to.
        self.stdout.write(add_demo_support(suppliers))
        self.stdout.write(add_demo_notifications(suppliers))
        if operator := ensure_demo_operator(suppliers):
            self.stdout.write(operator)
        self.stdout.write(
            self.style.SUCCESS(
                f"Готово: загрузка {time.monotonic() - loading:.1f} с, "
                f"всего {time.monotonic() - started:.1f} с."
            )
        )
