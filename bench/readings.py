"""Readings submissions under load against a trivial POST view, through gunicorn on PostgreSQL.

    uv run --frozen python bench/readings.py [--accounts N] [--requests N] [--keep | --reuse]

Builds a PostgreSQL database with N accounts (default 100,000), their meters and readings through
the real importer, links one customer per load thread to an account of its own with a meter read
by hand, opens the suppliers' windows for the whole month, serves the project with gunicorn
(production settings, 2 sync workers) and sends the same bounded load from those threads to:

* a trivial POST view (session, CSRF check and auth middleware, then a redirect) — the baseline,
  served only by this bench (bench/readings_urls.py);
* the readings form's «Продолжить» POST: a full, valid submission with its CSRF token, parsed,
  validated against the meter's history, saved with its audit row, answered with a redirect.
  From the second request on each one replaces the period's submission, as a customer
  correcting a value does.

It prints requests/s and p99 per target and the ratio of submissions/s to the trivial POST/s
in the same run (target >= 0.4), and the SQL queries one submission makes. The targets are
measured in interleaved rounds, so that a load change on the machine falls on both alike;
--reuse measures again on the database --keep left.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kabinet_bench_readings"
THREADS = 4
TARGET = 0.4
TURNS = 2 * ROUNDS  # shorter turns, so that a drift of the machine's speed cancels out


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    # Submissions wait on the database more than pages do, so a short run is noisier: 1,500 per
    # target gave the same ratio to two places on three runs where 400 varied by 0.08. On a
    # slower machine (the trivial POST at 250-390/s) 1,500 in 5 rounds still moved from 0.40 to
    # 0.50 between runs of the same code; a 1-2 s stall of the database (autovacuum of the
    # readings a run rewrites) weighs half as much in twice the requests.
    parser.add_argument("--requests", type=int, default=3000, help="per target, default 3000")
    parser.add_argument("--keep", action="store_true", help="keep the database and the files")
    parser.add_argument(
        "--reuse", action="store_true", help="measure again on the database --keep left"
    )
    return parser.parse_args()


def request(port: int, method: str, path: str, cookie: str, body: str = "") -> tuple[int, float]:
    headers = {"Cookie": cookie, "Accept-Language": "ru"}
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return send(port, method, path, body.encode() if body else None, headers)


Sender = tuple[str, str, str]  # path, cookie, body


def poster(port: int, senders: list[Sender]) -> Callable[[int, int], int]:
    """Thread ``n`` posts as customer ``n``: (path, cookie, body)."""

    def post(_number: int, thread: int) -> int:
        return request(port, "POST", *senders[thread])[0]

    return post


def main() -> None:
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    work, env = start("readings", url, reuse=args.reuse)
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kabinet.billing.models import AccountLink, Supplier
    from kabinet.identity.models import User
    from kabinet.metering.models import Meter
    from kabinet.metering.selectors import last_accepted

    if args.reuse:
        # Their submissions stay (submitted_by is set to null); their links and logins go.
        User.objects.filter(username__startswith="bench").delete()
    else:
        load_utility(args.accounts, work)

    # One customer per thread, each with an account of its own: customers submit for their own
    # meters, so the meters' row locks do not make them wait for one another.
    meters = list(
        Meter.objects.filter(
            removed_on__isnull=True,
            is_automatic=False,
            account__automatic_readings=False,
            zones=2,
            readings__status__in=("accepted", "billed"),
        )
        .select_related("account", "supplier")
        .order_by("account_id")
        .distinct("account_id")[:THREADS]
    )
    assert len(meters) == THREADS, "the import loaded too few two-zone meters with readings"
    # Open the window whatever the day the bench runs on.
    Supplier.objects.filter(pk__in={m.supplier_id for m in meters}).update(
        readings_first_day=1, readings_last_day=31, readings_close_time=None
    )
    submissions: list[Sender] = []
    trivial: list[Sender] = []
    queries = 0
    for n, meter in enumerate(meters):
        previous = last_accepted([meter.pk])[meter.pk]
        values = {
            f"m{meter.pk}_z{zone}": format(value + 1, f".{meter.fraction_digits}f")
            for zone, value in enumerate(previous.values, start=1)
        }
        user = User.objects.create_user(
            username=f"bench{n}", phone=f"+790000000{n + 10}",
            password=secrets.token_urlsafe(12) + "Aa1", last_name="Нагрузкин", first_name="Тест",
        )  # fmt: skip
        AccountLink.objects.create(
            user=user, account=meter.account, relation=AccountLink.Relation.OWNER
        )
        client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
        client.force_login(user)
        form_path = f"/accounts/{meter.account_id}/readings/"
        page = client.get(form_path).content.decode()
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert match is not None, "the form has no CSRF token"
        csrf = match.group(1)
        cookie = (
            f"sessionid={client.cookies['sessionid'].value}; "
            f"csrftoken={client.cookies['csrftoken'].value}"
        )
        form = {"csrfmiddlewaretoken": csrf, **values, "send": "1"}
        submissions.append((form_path, cookie, urlencode(form)))
        trivial.append(("/bench/trivial-post/", cookie, urlencode({"csrfmiddlewaretoken": csrf})))
        with CaptureQueriesContext(connection) as captured:
            response = client.post(form_path, form)
        assert response.status_code == 302, (response.status_code, response.content[:500])
        queries = len(captured)
    connections.close_all()

    settle()
    with gunicorn(env, settings_module="readings_settings") as port:
        print(
            f"gunicorn, 2 sync workers; {args.requests} POSTs per target from {THREADS} threads,"
            f" in {TURNS} interleaved rounds"
        )
        print(f"{'target':<28}{'req/s':>9}{'p99, ms':>10}{'ratio':>8}")
        results = interleaved(
            {
                "trivial POST view": poster(port, trivial),
                "readings submission": poster(port, submissions),
            },
            args.requests,
            {302},
            threads=THREADS,
            rounds=TURNS,
        )
        base, base_p99 = results["trivial POST view"]
        rps, p99 = results["readings submission"]
        print(f"{'trivial POST view':<28}{base:>9.1f}{base_p99 * 1000:>10.1f}{1:>8.2f}")
        print(f"{'readings submission':<28}{rps:>9.1f}{p99 * 1000:>10.1f}{rps / base:>8.2f}")
        print(f"SQL queries per submission: {queries}")
        keep_result(readings=rps / base, readings_queries=queries)
        verdict = "met" if rps / base >= TARGET else "NOT met"
        print(f"target: submissions/s >= {TARGET} x trivial POST/s — {verdict}")
    if args.keep or args.reuse:
        print(f"kept: database {url}, files in {work}")
    else:
        drop_database(url)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
