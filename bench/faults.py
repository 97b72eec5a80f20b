"""Fault tests: the production topology under load while its parts fail, each printing what it saw.

    uv run --frozen --group bench python bench/faults.py [--quick] [--users 40] [--reuse]
                                                         [--only postgres,worker,providers,redis]

On bench/topology.py's topology with locust customers (bench/load.py's mix) running throughout:

* postgres — the private PostgreSQL restarted with ``pg_ctl -m fast``, then ``-m immediate``:
  during the outage a logged-in page must answer the Russian 503 page and the API a JSON 503
  (code service_unavailable), never a 500 or a traceback; pages must answer 200 again within
  30 s of the database; afterwards every reading answered 2xx and every confirmed payment is in
  the database exactly once.
* worker — the huey worker SIGKILLed in the middle of an SMS batch and of a bill mailing, then
  restarted (and the mailing job queued again, as its periodic run would): every message reaches
  the fake gateway or the SMTP server exactly once.
* providers — the SMS gateway and the SMTP server down for 5 minutes (``--quick``: 1 minute)
  while messages are queued: all are delivered after they return, each once.
* redis — Redis stopped: pages keep answering 200; linking an account (which needs the rate
  limiter) is refused with a clear message; after Redis is back the queue works again.

A message the worker had handed to the provider at the moment of the SIGKILL, but not yet
recorded as sent, is sent again after STALE_SENDING_AFTER (5 minutes): the fake gateway and the
SMTP server count such a duplicate, and the worker test prints it. The test waits for that sweep.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import locust  # noqa: F401 - gevent's monkey-patching before anything imports ssl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from load import (  # noqa: E402
    Results,
    check_database,
    customers_with_meters,
    make_user_class,
    parse,
)
from topology import APP_PORT, BASE_URL, CUSTOMER_PASSWORD, Topology, stop_on_signals  # noqa: E402

UNAVAILABLE_TEXT = "Сервис временно недоступен"
VERDICTS: list[tuple[str, bool, str]] = []


def verdict(name: str, ok: bool, detail: str) -> None:
    VERDICTS.append((name, ok, detail))
    print(f"  {'PASS' if ok else 'FAIL'}  {name}: {detail}", flush=True)


class Browser:
    """One logged-in customer with requests (not locust), for the probes during a fault."""

    def __init__(self, customer: dict[str, Any]) -> None:
        import requests
        import urllib3

        urllib3.disable_warnings()
        self.session = requests.Session()
        # REQUESTS_CA_BUNDLE in the environment would override verify=False.
        self.session.trust_env = False
        self.session.verify = False
        self.session.headers["Accept-Language"] = "ru"
        self.customer = customer
        login = self.session.get(f"{BASE_URL}/login/", timeout=30, verify=False)
        response = self.post("/login/", {
            "csrfmiddlewaretoken": parse(login.text).inputs["csrfmiddlewaretoken"],
            "identifier": customer["phone"], "password": CUSTOMER_PASSWORD,
        })  # fmt: skip
        assert response.status_code == 302, response.status_code

    def post(self, path: str, data: dict[str, str]) -> Any:
        return self.session.post(f"{BASE_URL}{path}", data=data, allow_redirects=False,
                                 headers={"Referer": BASE_URL + path}, timeout=30,
                                 verify=False)  # fmt: skip

    def get(self, path: str) -> Any:
        return self.session.get(
            f"{BASE_URL}{path}", allow_redirects=False, timeout=30, verify=False
        )


class Load:
    """locust customers in the background of a fault."""

    def __init__(self, pool: list[dict[str, Any]], users: int) -> None:
        from locust.env import Environment

        self.results = Results()
        self.environment = Environment(user_classes=[make_user_class(pool, self.results)])

        def on_request(response: Any = None, name: str = "", **_: Any) -> None:
            status = getattr(response, "status_code", 0) or 0
            with self.results.lock:
                self.results.statuses[status] += 1
                body = getattr(response, "text", "") or ""
                if status == 500 or "Traceback" in body:
                    self.results.server_errors.append(f"{status} {name}")

        self.environment.events.request.add_listener(on_request)
        self.runner = self.environment.create_local_runner()
        self.runner.start(users, spawn_rate=max(users / 10, 1))

    def stop(self) -> Results:
        self.runner.quit()
        return self.results


def sleep(seconds: float) -> None:
    import gevent

    gevent.sleep(seconds)


def until(what: str, check: Callable[[], bool], seconds: float) -> float | None:
    """Seconds until ``check`` holds, or None after ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if check():
                return time.monotonic() - started
        except Exception:  # noqa: S110 - not yet
            pass
        sleep(0.5)
    print(f"  gave up waiting for {what} after {seconds:.0f} s")
    return None


def probe_outage(browser: Browser, account: int) -> tuple[Any, Any]:
    page = browser.get(f"/accounts/{account}/")
    api = browser.session.get(
        f"{BASE_URL}/api/v1/accounts",
        timeout=30,
        headers={"Accept": "application/json"},
        verify=False,
    )
    return page, api


def fault_postgres(topology: Topology, pool: list[dict[str, Any]], users: int) -> None:
    print("== PostgreSQL restarted under load ==", flush=True)
    browser = Browser(pool[-1])
    account = pool[-1]["account"]
    load = Load(pool[:-1], users)
    sleep(20)
    for mode in ("fast", "immediate"):
        topology.stop_postgres(mode)
        stopped = time.monotonic()
        sleep(3)
        page, api = probe_outage(browser, account)
        page_ok = page.status_code == 503 and UNAVAILABLE_TEXT in page.text
        page_ok = page_ok and "Traceback" not in page.text
        try:
            api_body = api.json()
        except ValueError:
            api_body = {"raw": api.text[:80]}
        api_ok = api.status_code == 503 and api_body.get("code") == "service_unavailable"
        verdict(
            f"pg {mode}: page during outage",
            page_ok,
            f"{page.status_code}, {'Russian 503 page' if page_ok else page.text[:120]!r}",
        )
        verdict(f"pg {mode}: API during outage", api_ok, f"{api.status_code} {api_body}")
        sleep(5)
        topology.start_postgres()
        back = time.monotonic()
        took = until(
            "pages after the restart",
            lambda: browser.get(f"/accounts/{account}/").status_code == 200,
            60,
        )
        verdict(
            f"pg {mode}: service back",
            took is not None and took <= 30,
            f"pages 200 again {took:.1f} s after the database (outage {back - stopped:.1f} s)"
            if took is not None
            else "not back in 60 s",
        )
        sleep(20)
    results = load.stop()
    finish_load_check("pg restarts", results)


def finish_load_check(name: str, results: Results) -> None:
    from load import wait_for_queue

    left = wait_for_queue(180)
    readings, payments = check_database(results)
    statuses = dict(sorted(results.statuses.items()))
    verdict(
        f"{name}: no 500, no traceback",
        not results.server_errors,
        f"statuses {statuses}; {Counter(results.server_errors).most_common(3)}",
    )
    verdict(
        f"{name}: readings and payments kept",
        readings == 0 and payments == 0,
        f"{len(results.readings)} readings 2xx ({readings} missing or doubled), "
        f"{len(results.payments)} payments confirmed ({payments} missing or doubled), "
        f"{left} jobs left in the queue",
    )


def lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def queue_sms(count: int, tag: str) -> list[int]:
    """``count`` SMS written as the product writes them (send_sms in a transaction)."""
    from django.db import transaction

    from kabinet.messaging.models import OutgoingMessage

    with transaction.atomic():
        ids = [
            OutgoingMessage.objects.create(
                channel=OutgoingMessage.Channel.SMS, to=f"+7999{n:07d}", template=tag,
                body=f"{tag} {n}",
            ).pk
            for n in range(count)
        ]  # fmt: skip
    from kabinet.messaging.tasks import deliver_message

    for pk in ids:
        deliver_message(pk)
    return ids


def all_sent(ids: list[int]) -> bool:
    from kabinet.messaging.models import OutgoingMessage

    return not OutgoingMessage.objects.filter(pk__in=ids).exclude(status="sent").exists()


def count_deliveries(file: Path, key: str, expected: set[str]) -> tuple[int, int, int]:
    """(delivered once, delivered more than once, never delivered) among ``expected``."""
    seen = Counter(str(entry[key]) for entry in lines(file))
    once = sum(1 for item in expected if seen[item] == 1)
    twice = sum(1 for item in expected if seen[item] > 1)
    return once, twice, len(expected) - once - twice


def fault_worker(topology: Topology, pool: list[dict[str, Any]], users: int) -> None:
    from kabinet.messaging.models import OutgoingMessage

    print("== huey worker SIGKILLed mid-batch ==", flush=True)
    load = Load(pool, users)
    sms_file = topology.work / "sms.jsonl"
    # The SMS batch.
    tag = f"kill-{int(time.time())}"
    ids = queue_sms(400, tag)
    until("a third of the batch", lambda: sum(tag in e["mes"] for e in lines(sms_file)) > 130, 120)
    topology.stop("worker", signal.SIGKILL)
    at_kill = sum(tag in e["mes"] for e in lines(sms_file))
    sending = OutgoingMessage.objects.filter(pk__in=ids, status="sending").count()
    print(f"  killed the worker after {at_kill} of 400 SMS; {sending} were being sent")
    topology.start_worker("worker")
    took = until("every SMS sent", lambda: all_sent(ids), 480)
    once, twice, never = count_deliveries(sms_file, "mes", {f"{tag} {n}" for n in range(400)})
    verdict("worker kill: SMS batch", took is not None and never == 0,
            f"{once} delivered once, {twice} twice (in flight at the kill), {never} never; "
            f"all sent {took or 0:.0f} s after the restart")  # fmt: skip
    # The bill mailing.
    mailing(topology)
    finish_load_check("worker kill", load.stop())


def mailing(topology: Topology) -> None:
    from django.db.models import Max

    from kabinet.billing.models import AccountLink, Bill
    from kabinet.documents.models import BillDelivery
    from kabinet.documents.tasks import mail_new_bills

    mail_file = topology.work / "mail.jsonl"
    period = Bill.objects.aggregate(latest=Max("period"))["latest"]
    links = AccountLink.objects.filter(
        user__username__startswith="load", account__bills__period=period
    ).order_by("pk")[:300]
    AccountLink.objects.filter(pk__in=[link.pk for link in links]).update(paperless=True)
    before = len(lines(mail_file))
    mail_new_bills(period)
    until("some bills mailed", lambda: len(lines(mail_file)) - before > 60, 300)
    topology.stop("worker", signal.SIGKILL)
    print(
        f"  killed the worker after {len(lines(mail_file)) - before} bill e-mails; "
        f"{BillDelivery.objects.filter(bill__period=period).count()} deliveries recorded"
    )
    topology.start_worker("worker")
    mail_new_bills(period)  # what the next periodic run does
    expected = AccountLink.objects.filter(paperless=True, account__bills__period=period).count()

    def delivered() -> bool:
        from kabinet.messaging.models import OutgoingMessage

        done = BillDelivery.objects.filter(bill__period=period).count() >= expected
        pending = OutgoingMessage.objects.filter(channel="email").exclude(status="sent").exists()
        return done and not pending

    took = until("every bill e-mail sent", delivered, 480)
    mails = lines(mail_file)[before:]
    per_recipient = Counter(tuple(entry["to"]) for entry in mails)
    doubled = sum(1 for n in per_recipient.values() if n > 1)
    verdict("worker kill: bill mailing", took is not None and len(per_recipient) >= expected,
            f"{expected} paperless subscribers, {len(per_recipient)} got their bill, "
            f"{doubled} more than once")  # fmt: skip


def fault_providers(
    topology: Topology, pool: list[dict[str, Any]], users: int, outage: int
) -> None:
    print(f"== SMS gateway and SMTP server down for {outage} s ==", flush=True)
    from kabinet.messaging.models import OutgoingMessage

    load = Load(pool, users)
    topology.stop("sms")
    topology.stop("smtp")
    tag = f"down-{int(time.time())}"
    ids = queue_sms(100, tag)
    with_mail = []
    from django.db import transaction

    with transaction.atomic():
        for n in range(50):
            with_mail.append(OutgoingMessage.objects.create(
                channel=OutgoingMessage.Channel.EMAIL, to=f"down{n}@example.org",
                template=tag, subject=f"{tag} {n}", body="Проверка доставки.",
            ).pk)  # fmt: skip
    from kabinet.messaging.tasks import deliver_message

    for pk in with_mail:
        deliver_message(pk)
    sleep(outage)
    waiting = OutgoingMessage.objects.filter(pk__in=ids + with_mail).exclude(status="sent").count()
    failed = OutgoingMessage.objects.filter(pk__in=ids + with_mail, status="failed").count()
    print(f"  after {outage} s: {waiting} of 150 messages waiting, {failed} failed")
    topology.start_sinks()
    took = until("every message sent", lambda: all_sent(ids + with_mail), 600)
    sms_once, sms_twice, sms_never = count_deliveries(
        topology.work / "sms.jsonl", "mes", {f"{tag} {n}" for n in range(100)}
    )
    mail_once, mail_twice, mail_never = count_deliveries(
        topology.work / "mail.jsonl", "subject", {f"{tag} {n}" for n in range(50)}
    )
    verdict(
        "providers down: nothing lost, each once",
        took is not None and sms_once == 100 and mail_once == 50,
        f"SMS {sms_once} once/{sms_twice} twice/{sms_never} never, e-mail {mail_once}/"
        f"{mail_twice}/{mail_never}; all sent {took or 0:.0f} s after the providers returned",
    )
    finish_load_check("providers down", load.stop())


def fault_redis(topology: Topology, pool: list[dict[str, Any]], users: int) -> None:
    print("== Redis stopped under load ==", flush=True)
    browser = Browser(pool[-1])
    account = pool[-1]["account"]
    load = Load(pool[:-1], users)
    sleep(15)
    topology.stop_redis()
    sleep(3)
    pages = [browser.get(path).status_code for path in
             ("/", f"/accounts/{account}/", f"/accounts/{account}/charges/",
              f"/accounts/{account}/bills/")]  # fmt: skip
    verdict("redis down: pages", all(status == 200 for status in pages), f"statuses {pages}")
    # The linking form of the customer's own supplier (step 2 of the page), with a wrong code.
    link_path = f"/accounts/link/?supplier={pool[-1]['supplier']}"
    form = parse(browser.get(link_path).text)
    questions = form.selects.get("question", [""])
    response = browser.post(link_path, {
        "csrfmiddlewaretoken": form.inputs.get("csrfmiddlewaretoken", ""),
        "branch": (form.selects.get("branch") or [""])[0], "number": "000000",
        "relation": (form.selects.get("relation") or ["owner"])[0],
        "question": "code" if "code" in questions else questions[0],
        "code": "0000", "bill_total": "100,00", "surname": "Иванов", "flat": "1",
    })  # fmt: skip
    message = "Слишком много попыток. Попробуйте позже."
    verdict(
        "redis down: linking refused with a message",
        response.status_code == 200 and message in response.text,
        f"{response.status_code}, "
        + (f"«{message}»" if message in response.text else "no message"),
    )
    readyz = browser.session.get(f"http://127.0.0.1:{APP_PORT}/readyz", timeout=10)
    verdict("redis down: /readyz says which", readyz.status_code == 503, readyz.text[:160])
    sleep(20)
    topology.start_redis()
    took = until("/readyz", lambda: browser.session.get(
        f"http://127.0.0.1:{APP_PORT}/readyz", timeout=10).status_code == 200, 60)  # fmt: skip
    verdict("redis back: ready", took is not None, f"/readyz 200 {took or 0:.1f} s after Redis")
    sleep(10)
    finish_load_check("redis down", load.stop())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 1-minute provider outage")
    parser.add_argument("--users", type=int, default=40, help="locust customers meanwhile")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="the database of the last run")
    parser.add_argument("--only", default="postgres,worker,providers,redis")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    stop_on_signals()
    topology = Topology()
    with topology.running():
        topology.prepare(args.accounts, 4000, reuse=args.reuse)
        pool = customers_with_meters(topology)
        from django.db import connections

        connections.close_all()
        print(f"faults: {args.users} customers meanwhile, machine load {os.getloadavg()[0]:.1f}")
        # Each fault takes its own customers: a customer submits readings once.
        share = len(pool) // 4
        chosen = args.only.split(",")
        if "postgres" in chosen:
            fault_postgres(topology, pool[:share], args.users)
        if "worker" in chosen:
            fault_worker(topology, pool[share : 2 * share], args.users)
        if "providers" in chosen:
            fault_providers(topology, pool[2 * share : 3 * share], args.users,
                            60 if args.quick else 300)  # fmt: skip
        if "redis" in chosen:
            fault_redis(topology, pool[3 * share :], args.users)
    print(f"{'fault test':<52}{'result':>8}")
    for name, ok, _detail in VERDICTS:
        print(f"{name:<52}{'PASS' if ok else 'FAIL':>8}")
    sys.exit(0 if all(ok for _n, ok, _d in VERDICTS) else 1)


if __name__ == "__main__":
    main()
