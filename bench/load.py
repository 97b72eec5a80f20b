"""Load test: customers doing the real mix against the production topology, then a count of what
they were told was saved.

    uv run --frozen --group bench python bench/load.py [--quick] [--users 200] [--minutes 15]
                                                       [--accounts 100000] [--reuse]

Starts bench/topology.py's topology (nginx with TLS → gunicorn, 4 sync workers → a private
PostgreSQL 15 and Redis, huey workers), loads the demo utility with 100,000 accounts unless
``--reuse`` finds it, and runs locust in this process: ``--users`` customers (default 200) for
``--minutes`` (default 15; ``--quick`` is 2 minutes), ramped up over 30 s, with think times of
3-10 s between pages. Each locust user is a customer's session: log in, then 3-6 visits of home,
account overview, charges, bill list and (half the time) a bill PDF; over the session one meter
readings submission (70 % of sessions), one sandbox card payment (40 %), one appeal (10 %); log
out, and the next customer of the pool logs in, so each customer submits once.

It prints requests, 5xx and latency percentiles per page, then waits for the job queue to drain
and checks the database: every reading answered 2xx is stored exactly once with the values sent,
every payment the sandbox bank confirmed is succeeded exactly once (one row per idempotency key).
Targets: 0 5xx, p95 < 500 ms, nothing missing or doubled. The load on the machine (its load
average, which other processes share) is printed with the figures: they depend on it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html.parser
import json
import os
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

# First: locust monkey-patches the standard library for gevent, which must happen before ssl,
# sockets and threads are imported by anything else.
import locust  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from serving import keep_result  # noqa: E402
from topology import BASE_URL, CUSTOMER_PASSWORD, Topology, stop_on_signals  # noqa: E402

P95_TARGET_MS = 500


class Forms(html.parser.HTMLParser):
    """The inputs of every POST form of a page and the links, enough to submit like a browser."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, str] = {}
        self.selects: dict[str, list[str]] = {}
        self.links: list[str] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "input" and found.get("name"):
            self.inputs.setdefault(found["name"], found.get("value", ""))
        elif tag == "select":
            self._select = found.get("name")
            if self._select:
                self.selects[self._select] = []
        elif tag == "option" and self._select and found.get("value"):
            self.selects[self._select].append(found["value"])
        elif tag == "a" and found.get("href"):
            self.links.append(found["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def parse(text: str) -> Forms:
    forms = Forms()
    forms.feed(text)
    return forms


class Results:
    """What the simulated customers were told, shared by the locust greenlets."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.readings: list[dict[str, Any]] = []
        self.payments: list[dict[str, Any]] = []
        self.appeals = 0
        self.statuses: Counter[int] = Counter()
        self.server_errors: list[str] = []


def make_user_class(customers: list[dict[str, Any]], results: Results) -> type:
    from locust import HttpUser, between, task

    pool = iter(customers)

    class Customer(HttpUser):
        host = BASE_URL
        wait_time = between(3, 10)
        customer: dict[str, Any] | None = None
        visits = 0
        leave_after = 0
        actions: dict[str, bool]

        def on_start(self) -> None:
            import urllib3

            urllib3.disable_warnings()
            # The topology's self-signed certificate; REQUESTS_CA_BUNDLE in the environment
            # would override verify=False.
            self.client.trust_env = False
            self.client.verify = False
            self.client.headers["Accept-Language"] = "ru"

        def page(self, path: str, name: str) -> Any:
            response = self.client.get(path, name=name)
            self.wait()
            return response

        def post(self, path: str, data: dict[str, str], name: str) -> Any:
            # A browser's POST: its Referer satisfies Django's CSRF check over HTTPS.
            headers = {"Referer": BASE_URL + path}
            return self.client.post(
                path, data=data, headers=headers, name=name, allow_redirects=False
            )

        def csrf(self, text: str) -> str:
            return parse(text).inputs.get("csrfmiddlewaretoken", "")

        def log_in(self) -> bool:
            """The next customer of the pool logs in (a fresh browser: no cookies)."""
            self.customer = next(pool, None)
            if self.customer is None:
                return False  # the pool is used up: each customer submits once
            self.client.cookies.clear()
            login = self.client.get("/login/", name="/login/")
            response = self.post(
                "/login/",
                {
                    "csrfmiddlewaretoken": self.csrf(login.text),
                    "identifier": self.customer["phone"],
                    "password": CUSTOMER_PASSWORD,
                },
                "/login/ POST",
            )
            self.visits = 0
            return response.status_code == 302

        @task
        def visit(self) -> None:
            """A customer's session: logs in, then comes back to the account pages a few times
            (a logged-in session lasts: most page views need no login), submits readings once
            (70 %), pays once (40 %), writes an appeal (10 %), and logs out after 3-6 visits."""
            if getattr(self, "customer", None) is None or self.visits >= self.leave_after:
                self.leave_after = random.randint(3, 6)
                if not self.log_in():
                    return
                self.wait()
                self.actions = {
                    "readings": random.random() < 0.7,
                    "payment": random.random() < 0.4,
                    "appeal": random.random() < 0.1,
                }
            self.visits += 1
            customer = self.customer
            assert customer is not None
            account = customer["account"]
            self.page("/", "/ (home)")
            self.page(f"/accounts/{account}/", "/accounts/[id]/")
            self.page(f"/accounts/{account}/charges/", "/accounts/[id]/charges/")
            bills = self.page(f"/accounts/{account}/bills/", "/accounts/[id]/bills/")
            pdfs = [link for link in parse(bills.text).links if link.endswith(".pdf")]
            if pdfs and random.random() < 0.5:
                self.page(pdfs[0], "/accounts/[id]/bills/[bill].pdf")
            # One act per visit, each at most once per customer.
            for act, due in self.actions.items():
                if due:
                    self.actions[act] = False
                    getattr(self, act)(customer)
                    break
            if self.visits >= self.leave_after:
                home = self.client.get("/", name="/ (home)")
                self.post("/logout/", {"csrfmiddlewaretoken": self.csrf(home.text)}, "/logout/")

        def readings(self, customer: dict[str, Any]) -> None:
            path = f"/accounts/{customer['account']}/readings/"
            form = self.page(path, "/accounts/[id]/readings/")
            data = {"csrfmiddlewaretoken": self.csrf(form.text), "send": "1"}
            sent: dict[int, list[str]] = {}
            for meter in customer["meters"]:
                values = [
                    format(Decimal(value) + 1 + random.randint(0, 50), f".{meter['digits']}f")
                    for value in meter["values"]
                ]
                sent[meter["id"]] = values
                for zone, value in enumerate(values, start=1):
                    data[f"m{meter['id']}_z{zone}"] = value
            response = self.post(path, data, "/accounts/[id]/readings/ POST")
            # Saved means redirected to the result; 200 is the form again with an error, and a
            # redirect to "confirm" asks about an unusual value first.
            if response.status_code == 302 and "confirm" not in response.headers.get(
                "Location", ""
            ):
                with results.lock:
                    results.readings.append({"account": customer["account"], "sent": sent,
                                             "status": response.status_code})  # fmt: skip
            self.wait()

        def payment(self, customer: dict[str, Any]) -> None:
            path = f"/accounts/{customer['account']}/pay/"
            form = parse(self.page(path, "/accounts/[id]/pay/").text)
            key = str(uuid.uuid4())
            data = {name: "100,00" for name in form.inputs if name.startswith("amount-")}
            if not data:
                return
            data.update(csrfmiddlewaretoken=form.inputs.get("csrfmiddlewaretoken", ""),
                        receipt_channel="email", receipt_email=customer["email"], agree="on",
                        idempotency_key=key, action="pay")  # fmt: skip
            response = self.post(path, data, "/accounts/[id]/pay/ POST")
            bank = response.headers.get("Location", "")
            if response.status_code != 302 or "/sandbox/" not in bank:
                return
            bank_path = "/" + bank.split("://", 1)[-1].split("/", 1)[-1] if "://" in bank else bank
            page = self.page(bank_path, "/payments/sandbox/[token]/")
            response = self.post(
                bank_path,
                {"csrfmiddlewaretoken": self.csrf(page.text), "card_number": "4111111111111111"},
                "/payments/sandbox/[token]/ POST",
            )
            back = response.headers.get("Location", "")
            match = re.search(r"/payments/(\d+)/return/", back)
            if response.status_code == 302 and match:
                with results.lock:
                    results.payments.append({"key": key, "payment": int(match.group(1))})
                self.page(match.group(0), "/payments/[id]/return/")

        def appeal(self, customer: dict[str, Any]) -> None:
            path = "/support/appeals/new/"
            form = parse(self.page(path, path).text)
            topics = form.selects.get("topic", [])
            data = {
                "csrfmiddlewaretoken": form.inputs.get("csrfmiddlewaretoken", ""),
                "supplier": str(customer["supplier"]),
                "account": str(customer["account"]),
                "topic": topics[0] if topics else "",
                "text": "Прошу пояснить начисление за отопление в последнем счёте.",
            }
            response = self.post(path, data, "/support/appeals/new/ POST")
            if response.status_code == 302:
                with results.lock:
                    results.appeals += 1

    return Customer


def customers_with_meters(topology: Topology) -> list[dict[str, Any]]:
    """The pool from customers.json, with each account's meters and their last accepted values
    (a reading one unit above them is plausible) and the account's supplier."""
    from kabinet.billing.models import Account
    from kabinet.metering.models import Meter
    from kabinet.metering.selectors import last_accepted

    pool = json.loads((topology.work / "customers.json").read_text())
    accounts = [c["account"] for c in pool]
    suppliers = dict(Account.objects.filter(pk__in=accounts).values_list("pk", "supplier_id"))
    meters: dict[int, list[dict[str, Any]]] = {}
    all_meters = list(Meter.objects.filter(account_id__in=accounts).order_by("pk"))
    previous = last_accepted([m.pk for m in all_meters])
    for meter in all_meters:
        reading = previous.get(meter.pk)
        if reading is None:
            continue
        values = [reading.value_1, reading.value_2, reading.value_3][: meter.zones]
        meters.setdefault(meter.account_id, []).append(
            {"id": meter.pk, "digits": meter.fraction_digits, "values": [str(v) for v in values]}
        )
    phones = {c["account"]: c["phone"] for c in pool}
    return [
        {"account": account, "phone": phones[account], "supplier": suppliers[account],
         "meters": meters[account], "email": f"{phones[account][1:]}@example.org"}
        for account in accounts if meters.get(account)
    ]  # fmt: skip


def run_locust(
    user_class: type, users: int, seconds: int, results: Results, spawn_rate: float
) -> Any:
    import gevent
    from locust.env import Environment

    environment = Environment(user_classes=[user_class])

    def on_request(name: str, response: Any = None, exception: Any = None, **_: Any) -> None:
        status = getattr(response, "status_code", 0) or 0
        with results.lock:
            results.statuses[status] += 1
            if status >= 500:
                results.server_errors.append(f"{status} {name}")

    environment.events.request.add_listener(on_request)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=spawn_rate)
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        gevent.sleep(5)
        stats = environment.stats.total
        print(f"  {time.monotonic() - started:5.0f} s  {runner.user_count:3d} users  "
              f"{stats.num_requests:6d} requests  {stats.total_rps:5.1f}/s  "
              f"p95 {stats.get_response_time_percentile(0.95) or 0:5.0f} ms  "
              f"5xx {sum(n for s, n in results.statuses.items() if s >= 500)}  "
              f"load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    runner.quit()
    return environment.stats


def print_stats(stats: Any) -> tuple[float, int]:
    print(f"{'request':<40}{'count':>7}{'fail':>6}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>8}")
    for entry in sorted(stats.entries.values(), key=lambda e: e.name):
        print(f"{entry.name[:39]:<40}{entry.num_requests:>7}{entry.num_failures:>6}"
              f"{entry.get_response_time_percentile(0.5) or 0:>7.0f}"
              f"{entry.get_response_time_percentile(0.95) or 0:>7.0f}"
              f"{entry.get_response_time_percentile(0.99) or 0:>7.0f}"
              f"{entry.max_response_time or 0:>8.0f}")  # fmt: skip
    total = stats.total
    p95 = float(total.get_response_time_percentile(0.95) or 0)
    print(f"{'total':<40}{total.num_requests:>7}{total.num_failures:>6}"
          f"{total.get_response_time_percentile(0.5) or 0:>7.0f}{p95:>7.0f}"
          f"{total.get_response_time_percentile(0.99) or 0:>7.0f}"
          f"{total.max_response_time or 0:>8.0f}")  # fmt: skip
    return p95, int(total.num_requests)


def wait_for_queue(seconds: float = 120) -> int:
    from huey.contrib.djhuey import HUEY

    deadline = time.monotonic() + seconds
    while HUEY.pending_count() and time.monotonic() < deadline:
        time.sleep(1)
    return int(HUEY.pending_count())


def check_database(results: Results) -> tuple[int, int]:
    """Every reading answered 2xx stored once with its values; every payment the bank confirmed
    succeeded once. Returns (readings problems, payments problems), each printed."""
    from kabinet.metering.models import Reading
    from kabinet.payments.models import Payment

    problems_readings = 0
    for entry in results.readings:
        for meter, values in entry["sent"].items():
            found = Reading.objects.filter(meter_id=int(meter), source=Reading.Source.PORTAL)
            # Compared as numbers: the column keeps more decimals than the meter shows.
            matching = [
                r for r in found
                if list((r.value_1, r.value_2, r.value_3)[: len(values)])
                == [Decimal(v) for v in values]
            ]  # fmt: skip
            if len(matching) != 1:
                problems_readings += 1
                print(f"  reading of meter {meter} {values}: {len(matching)} rows")
    problems_payments = 0
    for entry in results.payments:
        rows = list(Payment.objects.filter(idempotency_key=entry["key"]).values("pk", "status"))
        if len(rows) != 1 or rows[0]["pk"] != entry["payment"] or rows[0]["status"] != "succeeded":
            problems_payments += 1
            print(f"  payment {entry['payment']} (key {entry['key']}): {rows}")
    return problems_readings, problems_payments


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 minutes instead of 15")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=15)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="the database of the last run")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    stop_on_signals()
    seconds = int(120 if args.quick else args.minutes * 60)
    # A session (3-6 visits of 4-6 pages, 3-10 s apart) takes about two minutes.
    customers = max(4000, int(args.users * seconds / 120))
    topology = Topology()
    with topology.running():
        topology.prepare(args.accounts, customers, reuse=args.reuse)
        pool = customers_with_meters(topology)
        random.shuffle(pool)
        from django.db import connections

        connections.close_all()
        print(f"load: {args.users} customers for {seconds} s against {BASE_URL} "
              f"({args.accounts:,} accounts, {len(pool):,} customers in the pool), "
              f"machine load before: {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
        results = Results()
        user_class = make_user_class(pool, results)
        started = dt.datetime.now(dt.UTC)
        stats = run_locust(user_class, args.users, seconds, results, spawn_rate=args.users / 30)
        load = os.getloadavg()
        p95, requests = print_stats(stats)
        server_errors = sum(n for s, n in results.statuses.items() if s >= 500)
        print(f"statuses: {dict(sorted(results.statuses.items()))}")
        if results.server_errors:
            print(f"  5xx: {Counter(results.server_errors).most_common(5)}")
        left = wait_for_queue()
        problems_readings, problems_payments = check_database(results)
        print(f"started {started:%H:%M:%S} UTC; load average at the end (1/5/15 min): "
              f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores; "
              f"jobs left in the queue: {left}")  # fmt: skip
        print(f"{'figure':<44}{'measured':>10}{'target':>10}")
        print(f"{'5xx responses':<44}{server_errors:>10}{'0':>10}")
        print(f"{'p95 latency, ms':<44}{p95:>10.0f}{'< 500':>10}")
        print(f"{'readings 2xx / missing or doubled':<44}"
              f"{f'{len(results.readings)}/{problems_readings}':>10}{'0':>10}")  # fmt: skip
        print(f"{'payments succeeded / missing or doubled':<44}"
              f"{f'{len(results.payments)}/{problems_payments}':>10}{'0':>10}")  # fmt: skip
        print(f"{'appeals sent':<44}{results.appeals:>10}")
        keep_result(
            load_p95_ms=p95,
            load_5xx=server_errors,
            load_requests=requests,
            load_lost=problems_readings + problems_payments,
            load_users=args.users,
            load_seconds=seconds,
            load_average=round(load[0], 1),
        )
        ok = server_errors == 0 and p95 < P95_TARGET_MS and not problems_readings
        sys.exit(0 if ok and not problems_payments else 1)


if __name__ == "__main__":
    main()
