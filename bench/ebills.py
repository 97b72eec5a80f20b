"""A night's e-bills: the monthly mailing end to end, against the bare SMTP send of its messages.

    uv run --frozen python bench/ebills.py [--accounts N] [--workers N] [--chunk-size N] [--keep]

Builds a PostgreSQL database with N accounts (default 1,000) and their bills through the real
importer, links a paperless subscriber with a confirmed e-mail to each account, starts a local
SMTP server (aiosmtpd, in this process) and a huey consumer (``--workers`` processes, default 2,
Redis db 10 as its queue), then measures in one run:

- the mailing: ``start_mailing`` for the newest period (as the periodic job calls it) until the
  SMTP server has accepted every bill — the chunk jobs render each PDF, write the delivery and its
  e-mail, and the delivery jobs send it: bills/s against the target of 35 (10⁶ bills in a night
  of 8 hours on 2 cores);
- the baseline: the same messages, read back from the database, sent to the same server one
  after another from this process through the project's SMTP provider (no rendering, no queue).

It prints bills/s, the ratio to the baseline, the machine's load average, and checks that every
subscriber got exactly one e-mail. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from import_billing import drop_database  # noqa: E402
from serving import free_port, keep_result, load_utility, settle, start  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kabinet_bench_ebills"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"
TARGET = 35.0  # bills/s: 10⁶ bills in 8 hours
CORES = 2
NIGHT = 8 * 3600


class Inbox:
    """The SMTP server's handler: counts what it accepted, per recipient."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: Counter[str] = Counter()
        self.count = 0
        self.last_at = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received[rcpt] += 1
            self.count += 1
            self.last_at = time.perf_counter()
        return "250 Message accepted for delivery"

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.count = 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--accounts", type=int, default=1_000, help="default 1,000")
    parser.add_argument("--workers", type=int, default=2, help="huey worker processes, default 2")
    parser.add_argument("--chunk-size", type=int, default=0, help="default: the service's")
    parser.add_argument("--keep", action="store_true", help="keep the database and the files")
    return parser.parse_args()


def subscribe_everyone() -> tuple[Any, int]:
    """A paperless subscriber with a confirmed e-mail on every account billed for the newest
    period; returns (the period, how many)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from kabinet.billing.models import AccountLink, Bill
    from kabinet.identity.models import User

    period = Bill.objects.order_by("-period").values_list("period", flat=True).first()
    assert period is not None, "the import loaded no bills"
    account_ids = list(
        Bill.objects.filter(period=period)
        .order_by("account_id")
        .values_list("account_id", flat=True)
    )
    now = timezone.now()
    password = make_password(None)  # unusable: nobody logs in
    users = User.objects.bulk_create(
        User(
            username=f"ebill{n}",
            email=f"ebill{n}@example.org",
            email_confirmed_at=now,
            phone=None,
            password=password,
            last_name="Подписчикова",
            first_name="Анна",
        )
        for n in range(len(account_ids))
    )
    AccountLink.objects.bulk_create(
        AccountLink(
            user=user, account_id=account_id, relation=AccountLink.Relation.OWNER, paperless=True
        )
        for user, account_id in zip(users, account_ids, strict=True)
    )
    return period, len(account_ids)


def process_tree(pid: int) -> list[int]:
    """`pid` and its child processes (the huey consumer and its workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *(int(child) for child in children)]


def database_backends() -> list[int]:
    """The PostgreSQL server processes of the benchmark's database, other than this process's."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU each process has used so far (from /proc/<pid>/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / tick
    return used


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def flush_queue(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def wait_for(inbox: Inbox, count: int, consumer: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while inbox.count < count:
        if consumer.poll() is not None:
            sys.exit(f"the huey consumer exited with {consumer.returncode}")
        if time.monotonic() > deadline:
            sys.exit(f"only {inbox.count} of {count} e-mails arrived in {timeout:.0f} s")
        time.sleep(0.05)


def main() -> None:
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    smtp_port = free_port()
    work, env = start(
        "ebills",
        url,
        reuse=False,
        REDIS_URL=redis_url,
        EMAIL_BACKEND="smtp",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        DEFAULT_FROM_EMAIL="kvitancii@example.org",
        SECRET_KEY=secrets.token_urlsafe(50),
    )
    from aiosmtpd.controller import Controller
    from django.db import connections

    from kabinet.documents.selectors import mailing_progress
    from kabinet.documents.services import CHUNK_SIZE, start_mailing
    from kabinet.messaging.models import OutgoingMessage
    from kabinet.messaging.providers.email import send_email_message

    # Readings and payments play no part in the bill e-mail; bills, charges and meters do.
    load_utility(args.accounts, work, keep=lambda path: not path.name.startswith("payments"))
    period, subscribers = subscribe_everyone()
    print(f"{subscribers:,} paperless subscribers for {period:%m.%Y}")
    connections.close_all()
    settle()

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    flush_queue(redis_url)
    consumer = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "run_huey", "--workers", str(args.workers),
         "--worker-type", "process", "--no-periodic", "--quiet"],
        cwd=ROOT, env={**env, "DEBUG": "0"},
    )  # fmt: skip
    try:
        time.sleep(3)  # the consumer imports Django and forks its workers
        load_before = os.getloadavg()
        workers_before = cpu_seconds(process_tree(consumer.pid))
        backends_before = cpu_seconds(database_backends())
        self_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        mailing = start_mailing(period=period, chunk_size=args.chunk_size or CHUNK_SIZE)
        wait_for(inbox, subscribers, consumer, timeout=max(600.0, subscribers))
        mailing_seconds = inbox.last_at - started
        self_after = resource.getrusage(resource.RUSAGE_SELF)
        workers_cpu = spent(workers_before, cpu_seconds(process_tree(consumer.pid)))
        backends_cpu = spent(backends_before, cpu_seconds(database_backends()))
        load_after = os.getloadavg()
    finally:
        consumer.send_signal(signal.SIGINT)
        try:
            consumer.wait(timeout=30)
        except subprocess.TimeoutExpired:
            consumer.kill()
    time.sleep(0.5)  # a repeated e-mail, were there one, would arrive now
    twice = sum(1 for n in inbox.received.values() if n > 1)
    progress = mailing_progress(mailing.pk)

    messages = list(
        OutgoingMessage.objects.filter(status=OutgoingMessage.Status.SENT)
        .prefetch_related("attachments")
        .order_by("pk")
    )
    inbox.reset()
    bare_started = time.perf_counter()
    for message in messages:
        send_email_message(
            to=message.to,
            subject=message.subject,
            body=message.body,
            html_body=message.html_body,
            attachments=[
                (a.filename, bytes(a.content), a.mimetype) for a in message.attachments.all()
            ],
        )
    bare_seconds = time.perf_counter() - bare_started
    controller.stop()

    rate = subscribers / mailing_seconds
    bare = len(messages) / bare_seconds
    print(f"== a night's e-bills: {subscribers:,} bills, {args.workers} huey workers ==")
    print(
        f"mailing end to end (render, queue, send)   {rate:8.1f} bills/s  "
        f"{mailing_seconds:7.1f} s   (target >= {TARGET:.0f} bills/s: 10⁶ in "
        f"{1_000_000 / rate / 3600:.1f} h, target <= {NIGHT / 3600:.0f} h)"
    )
    print(f"bare SMTP send of the same messages        {bare:8.1f} msgs/s  {bare_seconds:7.1f} s")
    print(f"the mailing runs at {rate / bare:.2f} of the bare send")
    # What the machine's other work cannot inflate: the CPU each bill took, wherever it ran.
    smtp_cpu = (self_after.ru_utime + self_after.ru_stime) - (
        self_before.ru_utime + self_before.ru_stime
    )
    per_bill = (workers_cpu + backends_cpu + smtp_cpu) / subscribers
    print(
        f"CPU per bill: huey workers {1000 * workers_cpu / subscribers:.1f} ms, PostgreSQL "
        f"{1000 * backends_cpu / subscribers:.1f} ms, SMTP server and this process "
        f"{1000 * smtp_cpu / subscribers:.1f} ms: {1000 * per_bill:.1f} ms in all"
    )
    print(
        f"on {CORES} cores of its own the mailing would run at {CORES / per_bill:8.1f} bills/s "
        f"(target >= {TARGET:.0f}; the CPU the bills took, not the wall clock of a shared machine)"
    )
    keep_result(ebills_wall=rate, ebills_cpu=CORES / per_bill)
    print(
        f"progress: total {progress.total}, sent {progress.sent}, failed {progress.failed}, "
        f"queued {progress.queued}; subscribers mailed twice: {twice}"
    )
    print(
        f"load average (1 min) before/after: {load_before[0]:.1f} / {load_after[0]:.1f} "
        f"on {os.cpu_count()} CPUs"
    )
    if args.keep:
        print(f"kept: {url} and {work}")
    else:
        connections.close_all()
        drop_database(url)
    if twice or progress.sent != subscribers:
        sys.exit("some subscriber did not get exactly one e-mail")


if __name__ == "__main__":
    main()
