"""Customer pages under load: overview, charges and bill list against a trivial view.

    uv run --frozen python bench/pages.py [--accounts N] [--requests N] [--keep | --reuse]

Builds a PostgreSQL database with N accounts (default 100,000) and two months of bills through
the real importer, links a customer to a two-supplier account, serves the project with gunicorn
(production settings, 2 sync workers) and sends each page the same bounded load from a few
local threads. It prints requests/s and p99 latency per page, the ratio of each page's
requests/s to the trivial /healthz on the same server in the same run (target >= 0.5) and the
SQL queries each page makes (target <= 10). Timings on these machines are noisy; ratios hold.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from import_billing import drop_database, line, load, recreate_database  # noqa: E402
from serving import gunicorn, hammer, rate_and_p99, send, settle  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kabinet_bench_pages"
THREADS = 4
# Pages are measured in turns, a slice of the requests each, so that a load change on the machine
# (other processes come and go) falls on every page alike and the ratios stay comparable.
ROUNDS = 5


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400, help="per page, default 400")
    parser.add_argument("--keep", action="store_true", help="keep the database and the files")
    parser.add_argument(
        "--reuse", action="store_true", help="measure again on the database --keep left"
    )
    return parser.parse_args()


def get(port: int, path: str, cookie: str) -> tuple[int, float]:
    return send(port, "GET", path, None, {"Cookie": cookie, "Accept-Language": "ru"})


def page_get(port: int, path: str, cookie: str) -> Callable[[int, int], int]:
    def request(_number: int, _thread: int) -> int:
        return get(port, path, cookie)[0]

    return request


def measure(
    port: int, pages: dict[str, str], cookie: str, total: int
) -> dict[str, tuple[float, float]]:
    """Requests/s and p99 seconds per page, measured in ROUNDS interleaved turns."""
    for path in pages.values():
        for _ in range(10):  # warm the workers' connections, caches and prepared statements
            get(port, path, cookie)
    elapsed = dict.fromkeys(pages, 0.0)
    latencies: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(ROUNDS):
        for name, path in pages.items():
            seconds, values = hammer(
                max(THREADS, total // ROUNDS), page_get(port, path, cookie), {200}, threads=THREADS
            )
            elapsed[name] += seconds
            latencies[name].extend(values)
    return {name: rate_and_p99(elapsed[name], latencies[name]) for name in pages}


def main() -> None:
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    work = ROOT / "var" / "bench-pages"
    if not args.reuse:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kabinet.settings",
        "DATABASE_URL": url,
        "KABINET_VAR_DIR": str(work),
        "IMPORT_ARCHIVE_DIR": str(work / "archive"),
        # One key for this process (which creates the session) and the servers (which check it).
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update({**env, "DEBUG": "1"})

    database = url.rsplit("/", 1)[-1] if args.reuse else recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kabinet.billing.demo import DemoUtility, ensure_reference_data
    from kabinet.billing.models import Account, AccountLink, Bill
    from kabinet.identity.models import User

    if args.reuse:
        print(f"Kabinet pages benchmark: the {Account.objects.count():,} accounts of {database}")
        call_command("migrate", verbosity=0)
        User.objects.filter(username="bench").delete()
    else:
        print(f"Kabinet pages benchmark: {args.accounts:,} accounts, database {database}")
        call_command("migrate", verbosity=0)
        ensure_reference_data()
        started = time.perf_counter()
        utility = DemoUtility(args.accounts, 2, 42, today=dt.date.today())  # noqa: DTZ011
        files = utility.write(work / "files")
        line("generate files", f"{time.perf_counter() - started:8.2f} s")
        load(list(files.paths), "import (set-up)")

    latest = Bill.objects.order_by("-period").values_list("period", flat=True).first()
    assert latest is not None, "the import loaded no bills"
    account = (
        Account.objects.filter(bills__period=latest, bills__sections__isnull=False)
        .order_by("-bills__sections__supplier")
        .first()
    )
    assert account is not None
    user = User.objects.create_user(
        username="bench", phone="+79000000099", password=secrets.token_urlsafe(12) + "Aa1",
        last_name="Нагрузкин", first_name="Тест",
    )  # fmt: skip
    AccountLink.objects.create(user=user, account=account, relation=AccountLink.Relation.OWNER)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    pages = {
        "trivial view /healthz": "/healthz",
        "overview": f"/accounts/{account.pk}/",
        "charges": f"/accounts/{account.pk}/charges/",
        "bill list": f"/documents/accounts/{account.pk}/bills/",
    }
    queries: dict[str, int] = {}
    for name, path in pages.items():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        # The session and user lookups are the same on every logged-in page; they count too.
        queries[name] = len(captured)
    connections.close_all()
    # What a logged-in browser sends: the session and the CSRF cookie its first page set.
    cookie = "; ".join(
        f"{name}={client.cookies[name].value}" for name in ("sessionid", "csrftoken")
    )

    settle()
    with gunicorn(env) as port:
        print(
            f"gunicorn, 2 sync workers; {args.requests} requests per page from {THREADS} threads,"
            f" in {ROUNDS} interleaved rounds"
        )
        print(f"{'page':<24}{'req/s':>9}{'p99, ms':>10}{'ratio':>8}{'queries':>9}")
        results = measure(port, pages, cookie, args.requests)
        baseline = results["trivial view /healthz"][0]
        for name, (rps, p99) in results.items():
            print(
                f"{name:<24}{rps:>9.1f}{p99 * 1000:>10.1f}{rps / baseline:>8.2f}{queries[name]:>9}"
            )
        print("targets: ratio >= 0.5 against the trivial view; queries <= 10 per page")
    if args.keep or args.reuse:
        print(f"kept: database {url}, files in {work}")
    else:
        drop_database(url)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
