"""Customer pages under load: overview, charges and bill list against a trivial view.

    uv run --frozen python bench/pages.py [--accounts N] [--requests N] [--keep | --reuse]

Builds a PostgreSQL database with N accounts (default 100,000) and two months of bills through
the real importer, links a customer to a two-supplier account, serves the project with gunicorn
(production settings, 2 sync workers) and sends each page the same bounded load from a few
local threads, and the overview once more as a browser that keeps the page asks for it again
(If-None-Match, answered 304 Not Modified). It prints requests/s and p99 latency per page, the
ratio of each page's requests/s to the trivial /healthz on the same server in the same run
(targets: the slowest page >= 0.45, the 304 >= 0.8) and the SQL queries each page makes
(target <= 10). Timings on these machines are noisy; ratios hold.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from import_billing import drop_database  # noqa: E402
from serving import (  # noqa: E402
    ROUNDS,
    gunicorn,
    interleaved,
    keep_result,
    load_utility,
    send,
    settle,
    start,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kabinet_bench_pages"
THREADS = 4
HEALTHZ = "trivial view /healthz"
NOT_MODIFIED = "overview, 304"


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


def etag_of(port: int, path: str, cookie: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "ru"})
        response = conn.getresponse()
        response.read()
        etag = response.getheader("ETag")
    finally:
        conn.close()
    assert response.status == 200, (path, response.status)
    assert etag, path
    return etag


def revalidate(port: int, path: str, cookie: str, etag: str) -> Callable[[int, int], int]:
    """What a browser sends for a page it keeps: answered 304, anything else is a failure."""
    headers = {"Cookie": cookie, "Accept-Language": "ru", "If-None-Match": etag}

    def request(_number: int, _thread: int) -> int:
        status = send(port, "GET", path, None, headers)[0]
        return status if status == 304 else -status

    return request


def main() -> None:
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    work, env = start("pages", url, reuse=args.reuse)
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kabinet.billing.models import Account, AccountLink, Bill
    from kabinet.identity.models import User

    if args.reuse:
        User.objects.filter(username="bench").delete()
    else:
        load_utility(args.accounts, work)
    print(f"{Account.objects.count():,} accounts")

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
        HEALTHZ: "/healthz",
        "overview": f"/accounts/{account.pk}/",
        "charges": f"/accounts/{account.pk}/charges/",
        "bill list": f"/accounts/{account.pk}/bills/",
    }
    queries: dict[str, int] = {}
    for name, path in pages.items():
        client.get(path)  # the CSRF cookie, which the page's ETag includes, is set
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        # The session and user lookups are the same on every logged-in page; they count too.
        queries[name] = len(captured)
    overview = pages["overview"]
    etag = client.get(overview)["ETag"]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(overview, headers={"if-none-match": etag})
    assert response.status_code == 304, response.status_code
    queries[NOT_MODIFIED] = len(captured)
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
        targets = {name: page_get(port, path, cookie) for name, path in pages.items()}
        targets[NOT_MODIFIED] = revalidate(port, overview, cookie, etag_of(port, overview, cookie))
        results = interleaved(targets, args.requests, {200, 304}, threads=THREADS)
        baseline = results[HEALTHZ][0]
        for name, (rps, p99) in results.items():
            print(
                f"{name:<24}{rps:>9.1f}{p99 * 1000:>10.1f}{rps / baseline:>8.2f}{queries[name]:>9}"
            )
        pages_ratio = min(results[name][0] for name in pages if name != HEALTHZ) / baseline
        keep_result(
            pages=pages_ratio,
            not_modified=results[NOT_MODIFIED][0] / baseline,
            page_queries=max(queries.values()),
        )
        print(
            f"pages {pages_ratio:.2f} (target >= 0.45), "
            f"304 {results[NOT_MODIFIED][0] / baseline:.2f} (target >= 0.8), "
            f"queries <= {max(queries.values())} (target <= 10)"
        )
    if args.keep or args.reuse:
        print(f"kept: database {url}, files in {work}")
    else:
        drop_database(url)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
