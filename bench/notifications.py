"""Notification benchmark: the readings-window reminder for 100,000 accounts, against bulk_create.

    uv run --frozen python bench/notifications.py [--accounts N] [--keep]

It recreates a PostgreSQL database (BENCH_DATABASE_URL, default kabinet_bench_notifications on
127.0.0.1), migrates it and writes N accounts of one supplier whose readings window is open
the whole month, each with a meter not read this period and a customer with a confirmed e-mail
(bulk inserts: set-up, not measured). Then it times, in the same run and on the same server:

* the reminder run as the job runs it: the rule (``meters_missing_readings`` and the links)
  raising the notifications with ON CONFLICT DO NOTHING, the dispatch that decides the e-mail
  of each, and the sending that writes them to the messaging outbox (committed, to be sent);
* the outbox's delivery job over those e-mails, to Django's locmem backend (timed apart: the
  messaging worker runs it, not the notification job);
* the same run again, which must raise, queue and send nothing;
* a bare ``bulk_create`` of the same number of notification rows, the floor of writing them.

Timings are printed, never asserted: they depend on the machine. Targets: the first run under
60 s and the second under 5 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from import_billing import drop_database, line, recreate_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kabinet_bench_notifications"
CHUNK = 5000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000, help="default 100000")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    return parser.parse_args()


def set_up(accounts: int) -> None:
    """One supplier with the window open all month; per account a customer, a link, a meter."""
    from django.utils import timezone

    from kabinet.billing.models import Account, AccountLink, Service, Supplier
    from kabinet.identity.models import User
    from kabinet.metering.models import Meter

    supplier = Supplier.objects.create(
        code="bench",
        name="ООО «Энергосбыт»",
        short_name="Энергосбыт",
        inn="7701234567",
        kpp="770101001",
        bank_name="ПАО Сбербанк",
        bic="044525225",
        settlement_account="40702810938000000001",
        correspondent_account="30101810400000000225",
        readings_first_day=1,
        readings_last_day=31,
    )
    service = Service.objects.create(code="electricity", name="Электроэнергия", is_metered=True)
    now = timezone.now()
    for start in range(0, accounts, CHUNK):
        numbers = range(start, min(start + CHUNK, accounts))
        made = Account.objects.bulk_create(
            Account(supplier=supplier, number=f"{1_000_000 + n}", owner_name="Иванов И. И.")
            for n in numbers
        )
        users = User.objects.bulk_create(
            User(
                username=f"bench{n}",
                password="!",  # noqa: S106 - an unusable password: nobody logs in
                email=f"bench{n}@example.org",
                email_confirmed_at=now,
            )
            for n in numbers
        )
        AccountLink.objects.bulk_create(
            AccountLink(user=user, account=account, relation=AccountLink.Relation.OWNER)
            for user, account in zip(users, made, strict=True)
        )
        Meter.objects.bulk_create(
            Meter(
                supplier=supplier,
                account=account,
                service=service,
                external_id=f"M{account.number}",
                serial_number=f"S{account.number}",
            )
            for account in made
        )


# The outbox's delivery job is timed on its own: the notification run ends when the e-mails are
# in the outbox (what the job commits), and the messaging worker sends them from there.
OUTBOX: list[int] = []


def collect_outbox() -> None:
    """Keep the ids the outbox would queue for its delivery job, to run the job after the timed
    notification run (the one place the bench changes: the queue, not the code under test)."""
    from kabinet.messaging import services as messaging

    messaging._queue_many = OUTBOX.extend  # type: ignore[assignment]


def deliver_outbox() -> tuple[int, float]:
    """The messaging job over what the run queued: to Django's locmem backend."""
    from kabinet.messaging.services import deliver_many

    started = time.perf_counter()
    sent = sum(deliver_many(OUTBOX[i : i + 2000]) for i in range(0, len(OUTBOX), 2000))
    OUTBOX.clear()
    return sent, time.perf_counter() - started


def reminder_run() -> tuple[int, int, int, dict[str, float]]:
    """The job's work: raise, dispatch, send; (raised, dispatched, sent, seconds per step)."""
    from django.utils import timezone

    from kabinet.notifications import rules, services

    times: dict[str, float] = {}
    started = time.perf_counter()
    raised = services.raise_notifications(rules.readings_window(timezone.now()))
    times["raise"] = time.perf_counter() - started
    started = time.perf_counter()
    dispatched = services.dispatch_pending()
    times["dispatch"] = time.perf_counter() - started
    started = time.perf_counter()
    sent = services.send_due_deliveries()
    times["send"] = time.perf_counter() - started
    return raised, dispatched, sent, times


def bulk_create_baseline(rows: int) -> float:
    """Write the same number of notification rows with a plain bulk_create (then remove them)."""
    from django.db import transaction

    from kabinet.billing.models import AccountLink
    from kabinet.notifications.models import Kind, Notification

    links = list(AccountLink.objects.order_by("pk").values_list("user_id", "account_id")[:rows])
    payload = {"period": "2026-11-01", "closes": "30.11.2026"}
    started = time.perf_counter()
    for start in range(0, len(links), 2000):
        with transaction.atomic():
            Notification.objects.bulk_create(
                Notification(
                    user_id=user_id,
                    account_id=account_id,
                    kind=Kind.READINGS_OPEN,
                    key="bench-baseline",
                    payload=payload,
                )
                for user_id, account_id in links[start : start + 2000]
            )
    seconds = time.perf_counter() - started
    Notification.objects.filter(key="bench-baseline").delete()
    return seconds


def main() -> None:
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "kabinet.settings"
    os.environ["DEBUG"] = "1"
    os.environ["DATABASE_URL"] = url
    # The outbox's batch job runs in-process after each commit; e-mails land in locmem.
    os.environ["HUEY_IMMEDIATE"] = "1"
    os.environ["EMAIL_BACKEND"] = "locmem"
    # Every hour is daytime here: quiet hours would hold the e-mails until the morning.
    os.environ["NOTIFICATIONS_QUIET_START"] = os.environ["NOTIFICATIONS_QUIET_END"] = "0"

    database = recreate_database(url)
    import logging

    import django

    django.setup()
    # The immediate queue logs every job it runs; a run of thousands of jobs is not the news.
    logging.getLogger("huey").setLevel(logging.WARNING)
    from django.core import mail
    from django.core.management import call_command
    from django.db import connections

    from kabinet.messaging.models import OutgoingMessage

    print(f"Kabinet notification benchmark: {args.accounts:,} accounts, database {database}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    set_up(args.accounts)
    # A worker has its URLs and templates loaded before its first job: so does the bench.
    from django.urls import reverse

    reverse("portal:home")
    line("set-up (not measured)", f"{time.perf_counter() - started:8.2f} s")
    mail.outbox = []

    print("measured:")
    collect_outbox()
    started = time.perf_counter()
    raised, dispatched, sent, steps = reminder_run()
    first = time.perf_counter() - started
    for step, seconds in steps.items():
        line(f"  {step}", f"{seconds:8.2f} s")
    line(
        "  first run",
        f"{first:8.2f} s  raised {raised:,}, e-mails queued {dispatched:,}, in the outbox "
        f"{sent:,}  {raised / first if first else 0:,.0f} notifications/s",
    )
    delivered, delivering = deliver_outbox()
    line(
        "  outbox job to locmem",
        f"{delivering:8.2f} s  sent {delivered:,} (locmem {len(mail.outbox):,}, outbox rows sent "
        f"{OutgoingMessage.objects.filter(status=OutgoingMessage.Status.SENT).count():,})  "
        f"{delivered / delivering if delivering else 0:,.0f} e-mails/s",
    )
    mail.outbox = []
    started = time.perf_counter()
    again_raised, again_dispatched, again_sent, _steps = reminder_run()
    second = time.perf_counter() - started
    deliver_outbox()
    line(
        "  second run",
        f"{second:8.2f} s  raised {again_raised:,}, queued {again_dispatched:,}, "
        f"sent {again_sent:,}, locmem {len(mail.outbox):,}"
        + ("" if again_raised == again_sent == len(mail.outbox) == 0 else "  <- expected nothing"),
    )
    baseline = bulk_create_baseline(raised)
    line(
        "  bare bulk_create",
        f"{baseline:8.2f} s  {raised / baseline if baseline else 0:,.0f} rows/s",
    )
    line(
        "  ratio run / bulk_create",
        f"{(raised / first) / (raised / baseline) if raised and baseline else 0:8.3f}   "
        f"(the run takes {first / baseline if baseline else 0:.1f} × the time of writing "
        "the rows alone)",
    )
    line("  targets", f"first run < 60 s: {first < 60}, second run < 5 s: {second < 5}")

    connections.close_all()
    if args.keep:
        print(f"kept: database {url}")
    else:
        drop_database(url)


if __name__ == "__main__":
    main()
