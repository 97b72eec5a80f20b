"""Every limit holds exactly with two gunicorn workers and no Redis (finding 3 of issue 16).

A production-like server (DEBUG off, two sync workers, no REDIS_URL, so the counters are in the
database) gets more requests than a limit allows, concurrently, so both workers take some; the
number that passed must be the limit, not the limit times the number of workers.
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from altcha.v1 import Challenge, solve_challenge
from django.db import connection
from django.db.models import Model

from kabinet.core.models import AuditEntry
from kabinet.identity.services.tokens import issue_token
from kabinet.messaging.models import OutgoingMessage
from tests.factories import make_account, make_customer, make_supplier
from tests.gunicorn import Gunicorn, shared_database, start_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

SMS_LIMIT_PER_NUMBER = 4


@dataclass
class Server:
    url: str
    log: Path
    sqlite_file: Path | None

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, token: str = ""
    ) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(  # noqa: S310 (a URL of our own)
            self.url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json"}
            | ({"Authorization": f"Bearer {token}"} if token else {}),
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def solved_captcha(self) -> str:
        _status, data = self.call("GET", "/api/v1/auth/captcha")
        challenge = Challenge(
            data["algorithm"], data["challenge"], data["maxNumber"], data["salt"], data["signature"]
        )
        solution = solve_challenge(challenge)
        assert solution is not None
        payload = {
            "algorithm": data["algorithm"],
            "challenge": data["challenge"],
            "number": solution.number,
            "salt": data["salt"],
            "signature": data["signature"],
        }
        return base64.b64encode(json.dumps(payload).encode()).decode()

    def count(self, model: type[Model], **equal: str) -> int:
        """Rows of ``model`` in the server's database with these column values."""
        where = " AND ".join(f'"{column}" = %s' for column in equal) or "1 = 1"
        sql = f'SELECT COUNT(*) FROM "{model._meta.db_table}" WHERE {where}'  # noqa: S608
        if self.sqlite_file is not None:
            with sqlite3.connect(self.sqlite_file) as db:
                row = db.execute(sql.replace("%s", "?"), list(equal.values())).fetchone()
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, list(equal.values()))
                row = cursor.fetchone()
        return int(row[0])

    def worker_pids(self) -> set[str]:
        """The workers that answered, from the access log (its first field is the pid)."""
        return set(re.findall(r"^pid=<(\d+)> ", self.log.read_text(), re.MULTILINE))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Callable[[], Server]]:
    started: list[Gunicorn] = []

    def start() -> Server:
        """Two workers and no REDIS_URL, on the test's database (its rows committed first)."""
        log = tmp_path / "access.log"
        database_url, sqlite_file = shared_database(tmp_path)
        gunicorn = start_gunicorn(
            tmp_path,
            database_url,
            workers=2,
            env={
                "ALTCHA_MAX_NUMBER": "1000",
                "SMS_LIMIT_PER_NUMBER": str(SMS_LIMIT_PER_NUMBER),
                "SMS_LIMIT_PER_IP": "1000",
                "VERIFICATION_RESEND_COOLDOWN": "0",
            },
            args=("--access-logfile", str(log), "--access-logformat", "pid=%(p)s %(s)s %(r)s"),
        )
        started.append(gunicorn)
        return Server(gunicorn.url, log, sqlite_file)

    yield start
    for gunicorn in started:
        gunicorn.stop()


def _concurrently(calls: list[Callable[[], tuple[int, dict[str, Any]]]]) -> list[int]:
    with ThreadPoolExecutor(max_workers=6) as pool:
        return [status for status, _body in pool.map(lambda call: call(), calls)]


def test_each_limit_holds_exactly_with_two_workers(server: Callable[[], Server]) -> None:
    customer = make_customer(phone="+79161234567")
    _token, key = issue_token(user=customer, label="test")
    supplier = make_supplier()
    account = make_account(supplier, number="123456", link_code="A7K2Q9")
    live = server()

    # The SMS limit per number: 10 recoveries of one phone, SMS_LIMIT_PER_NUMBER codes go out.
    captchas = [live.solved_captcha() for _ in range(SMS_LIMIT_PER_NUMBER + 6)]
    statuses = _concurrently(
        [
            partial(
                live.call,
                "POST",
                "/api/v1/auth/recover",
                {"identifier": "+79161234567", "altcha": altcha},
            )
            for altcha in captchas
        ]
    )
    assert statuses.count(202) == SMS_LIMIT_PER_NUMBER, statuses
    assert live.count(OutgoingMessage, to="+79161234567") == SMS_LIMIT_PER_NUMBER

    # Linking tries: one customer's wrong codes for one account; 5 are checked, the rest refused.
    tries = _concurrently(
        [
            partial(
                live.call,
                "POST",
                "/api/v1/accounts/link",
                {
                    "supplier_id": supplier.pk,
                    "number": account.number,
                    "relation": "owner",
                    "question": "code",
                    "code": "WRONG1",
                },
                token=key,
            )
            for _ in range(12)
        ]
    )
    assert tries.count(400) + tries.count(429) == 12, tries
    assert live.count(AuditEntry, action="billing.link_failed") == 5

    # A captcha solution passes once, whichever worker sees it.
    altcha = live.solved_captcha()
    replays = _concurrently(
        [
            partial(
                live.call,
                "POST",
                "/api/v1/auth/recover",
                {"identifier": f"x{n}@example.org", "altcha": altcha},
            )
            for n in range(8)
        ]
    )
    assert replays.count(202) == 1, replays

    # Both workers took part, or the test proved nothing.
    assert len(live.worker_pids()) == 2
