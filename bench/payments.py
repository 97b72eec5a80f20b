"""Card payments under load: payments started and notifications processed, against a trivial view.

    uv run --frozen python bench/payments.py [--accounts N] [--payments N] [--replays N] [--keep]

Builds a PostgreSQL database with N accounts (default 2,000) and two months of bills through the
real importer, links a customer to a two-supplier account, serves the project with gunicorn
(production settings, 2 sync workers, the sandbox acquirer) and measures from a few local
threads, in one run:

- the trivial /healthz (the baseline);
- payments started/s: the payment form posted with a new key each time (validation, the payment
  and its splits written, the sandbox acquirer's start, the redirect to its page);
- notifications/s: signed sandbox notifications for those payments, each one delivered
  ``--replays`` times (default 4) in shuffled order, as a bank that retries does; each is
  re-read from the acquirer's record and applied under a row lock.

It prints requests/s and p99 per case and the ratio to the trivial view, then checks that every
payment succeeded exactly once and got exactly one confirmation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import shutil
import string
import sys
import urllib.parse
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from import_billing import drop_database  # noqa: E402
from serving import gunicorn, hammer, load_utility, rate_and_p99, send, settle, start  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kabinet_bench_payments"
THREADS = 4

Request = Callable[[int], int]  # request number -> HTTP status


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--payments", type=int, default=400, help="payments started, default 400")
    parser.add_argument("--replays", type=int, default=4, help="deliveries of each notification")
    parser.add_argument("--keep", action="store_true", help="keep the database and the files")
    return parser.parse_args()


def under_load(total: int, request: Request, ok: set[int]) -> tuple[float, float]:
    """``total`` requests from THREADS threads; returns (requests/s, p99 seconds)."""
    return rate_and_p99(*hammer(total, lambda n, _t: request(n), ok, threads=THREADS))


def main() -> None:
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    work, env = start(
        "payments",
        url,
        reuse=False,
        # Written out: outside DEBUG the sandbox acquirer is on only when named explicitly.
        PAYMENT_PROVIDER="sandbox",
        PAYMENT_NOTIFY_LIMIT_PER_MINUTE="1000000",
    )
    from django.db import connections
    from django.test import Client

    from kabinet.billing.models import Account, AccountLink, Bill
    from kabinet.identity.models import User
    from kabinet.messaging.models import OutgoingMessage
    from kabinet.payments.models import Payment, SandboxPayment
    from kabinet.payments.providers.sandbox import SIGNATURE_HEADER, notification_body, sign
    from kabinet.payments.selectors import payment_lines

    # Readings play no part in payments; only what the payment page reads is loaded.
    load_utility(args.accounts, work, keep=lambda path: not path.name.startswith("readings"))

    latest = Bill.objects.order_by("-period").values_list("period", flat=True).first()
    assert latest is not None, "the import loaded no bills"
    account = (
        Account.objects.filter(bills__period=latest, bills__sections__isnull=False)
        .order_by("-bills__sections__supplier")
        .first()
    )
    assert account is not None
    user = User.objects.create_user(
        username="bench", phone="+79000000098", password=secrets.token_urlsafe(12) + "Aa1",
        last_name="Нагрузкин", first_name="Тест", email="bench@example.org",
    )  # fmt: skip
    AccountLink.objects.create(user=user, account=account, relation=AccountLink.Relation.OWNER)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.cookies["sessionid"].value
    # Each line at 100 ₽: above any minimum, whatever the bill says.
    amounts = {f"amount-{line.key}": "100,00" for line in payment_lines(account).lines}
    print(f"account {account}: {len(amounts)} payable lines")
    connections.close_all()

    settle()
    with gunicorn(env) as port:
        pay_path = f"/accounts/{account.pk}/pay/"
        csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        cookie = f"sessionid={session}; csrftoken={csrf}"
        pay_headers = {
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept-Language": "ru",
            "Referer": f"http://127.0.0.1:{port}{pay_path}",
        }

        def trivial(_: int) -> int:
            return send(port, "GET", "/healthz", None, {})[0]

        def start_payment(_: int) -> int:
            form = {
                **amounts,
                "receipt_channel": "email",
                "receipt_email": "bench@example.org",
                "agree": "on",
                "idempotency_key": str(uuid.uuid4()),
                "action": "pay",
                "csrfmiddlewaretoken": csrf,
            }
            body = urllib.parse.urlencode(form).encode()
            return send(port, "POST", pay_path, body, pay_headers)[0]

        for _ in range(10):
            trivial(0)
        print(f"gunicorn, 2 sync workers, {THREADS} client threads")
        print(f"{'case':<36}{'req/s':>9}{'p99, ms':>10}{'ratio':>8}")
        baseline, p99 = under_load(args.payments, trivial, {200})
        print(f"{'trivial view /healthz':<36}{baseline:>9.1f}{p99 * 1000:>10.1f}{1:>8.2f}")

        rps, p99 = under_load(args.payments, start_payment, {302})
        print(f"{'payments started':<36}{rps:>9.1f}{p99 * 1000:>10.1f}{rps / baseline:>8.2f}")

        # The bank confirms every payment, then notifies each one --replays times, shuffled.
        SandboxPayment.objects.update(status="succeeded", paid_at=dt.datetime.now(dt.UTC))
        portal = Payment.objects.filter(source=Payment.Source.PORTAL)
        tokens = list(portal.values_list("provider_payment_id", flat=True))
        connections.close_all()
        bodies = [notification_body(t, "payment.succeeded") for t in tokens] * args.replays
        random.Random(42).shuffle(bodies)

        def notify(number: int) -> int:
            body = bodies[number]
            headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body)}
            return send(port, "POST", "/payments/notify/sandbox/", body, headers)[0]

        label = f"notifications ({args.replays}x replayed)"
        rps, p99 = under_load(len(bodies), notify, {200})
        print(f"{label:<36}{rps:>9.1f}{p99 * 1000:>10.1f}{rps / baseline:>8.2f}")
        baseline_again, _ = under_load(args.payments, trivial, {200})
        print(f"{'trivial view /healthz (again)':<36}{baseline_again:>9.1f}")

    statuses = dict.fromkeys(Payment.Status.values, 0)
    for status in portal.values_list("status", flat=True):
        statuses[status] += 1
    confirmations = OutgoingMessage.objects.filter(template="payment_succeeded").count()
    print(f"payments: {len(tokens)}, by status {statuses}; confirmations queued: {confirmations}")
    if statuses["succeeded"] != len(tokens) or confirmations != len(tokens):
        sys.exit("FAILED: every payment must succeed once with one confirmation")
    print("checked: every payment succeeded exactly once, one confirmation each")
    if args.keep:
        print(f"kept: database {url}, files in {work}")
    else:
        connections.close_all()
        drop_database(url)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
