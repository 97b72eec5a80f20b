"""No enumeration through the SMS allowance (finding 4 of issue 16).

Once a number has used its allowance, recovery answered «На этот номер уже отправлено много SMS»
for a phone with an account and went on for a phone without one: an unknown number sent nothing
and never counted. Now both spend the same allowance and get the same answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from huey.contrib.djhuey import HUEY

from kabinet.core import ratelimit
from kabinet.identity.models import User
from kabinet.messaging.models import OutgoingMessage
from tests.factories import make_customer
from tests.identity.conftest import sent, solve_captcha, without_tokens

pytestmark = pytest.mark.django_db

KNOWN = "+79161234567"
UNKNOWN = "+79161234568"


@pytest.fixture(autouse=True)
def _small_allowance(settings: Any) -> None:
    settings.SMS_LIMIT_PER_NUMBER = 2
    settings.VERIFICATION_RESEND_COOLDOWN = 0


@pytest.fixture
def customer() -> User:
    return User.objects.create_user(username="c1", phone=KNOWN, password="Secret-Pass1")


def comparable(response: Any, phone: str) -> tuple[int, str, str]:
    """Status, where it leads and the page, without per-request tokens and the number typed."""
    html = without_tokens(response.content.decode())
    html = re.sub(r'(challengeurl|value)="[^"]*"', r'\1=""', html)
    return response.status_code, response.get("Location", ""), html.replace(phone[-4:], "NNNN")


def recover(phone: str, ip: str) -> Any:
    client = Client(REMOTE_ADDR=ip)
    return client.post("/recover/", {"identifier": phone, "altcha": solve_captcha(client)})


def test_known_and_unknown_phones_answer_alike_after_the_allowance_is_spent(
    customer: User,
) -> None:
    answers: dict[str, list[tuple[int, str, str]]] = {KNOWN: [], UNKNOWN: []}
    for phone in (KNOWN, UNKNOWN):
        for n in range(4):
            answers[phone].append(comparable(recover(phone, f"10.0.{n}.1"), phone))

    assert answers[KNOWN] == answers[UNKNOWN]
    statuses = [status for status, _location, _html in answers[KNOWN]]
    assert statuses[:2] == [302, 302]
    assert 302 not in statuses[2:]
    # The limiter counted both numbers alike, though only the customer got codes.
    assert ratelimit.count(f"sms:to:{KNOWN}") == ratelimit.count(f"sms:to:{UNKNOWN}") >= 2
    assert len(sent(to=KNOWN)) == 2
    assert sent(to=UNKNOWN) == []


def test_resending_spends_the_allowance_of_an_unknown_phone_too(customer: User) -> None:
    counts = {}
    for phone in (KNOWN, UNKNOWN):
        client = Client()
        client.post("/recover/", {"identifier": phone, "altcha": solve_captcha(client)})
        client.post("/recover/resend/")
        counts[phone] = ratelimit.count(f"sms:to:{phone}")

    assert counts == {KNOWN: 2, UNKNOWN: 2}
    assert sent(to=UNKNOWN) == []


def test_registration_answers_alike_for_a_phone_with_and_without_an_account(
    customer: User,
) -> None:
    answers: dict[str, list[tuple[int, str, str]]] = {KNOWN: [], UNKNOWN: []}
    for phone in (KNOWN, UNKNOWN):
        for n in range(4):
            client = Client(REMOTE_ADDR=f"10.1.{n}.1")
            data = {
                "phone": phone,
                "consent_personal_data": "on",
                "consent_user_agreement": "on",
                "altcha": solve_captcha(client),
            }
            answers[phone].append(comparable(client.post("/register/", data), phone))

    assert answers[KNOWN] == answers[UNKNOWN]
    assert [status for status, _location, _html in answers[KNOWN]][:2] == [302, 302]
    assert ratelimit.count(f"sms:to:{KNOWN}") == ratelimit.count(f"sms:to:{UNKNOWN}")


# --- the same work in the request ---------------------------------------------------------------
#
# A recovery for a known phone used to write a message and queue its delivery in the request, and
# one for an unknown phone did neither: the difference showed in the response time (and, with jobs
# run in the web process, in the time the delivery took). Now both write the same rows and queue
# the same job, whose claim skips a withheld message.

STATEMENT = re.compile(r"^\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM|SAVEPOINT|RELEASE)\b\W*(\w*)")


@dataclass
class Work:
    """What one request did: its status, its SQL statements (verb and table, in order) and
    the jobs its commit queued."""

    status: int
    statements: list[tuple[str, str]]
    queued: list[str]


def work_of(post: Callable[[], Any], on_commit: Callable[..., Any]) -> Work:
    with CaptureQueriesContext(connection) as queries, on_commit(execute=False) as callbacks:
        status = post().status_code
    statements = []
    for query in queries.captured_queries:
        match = STATEMENT.match(query["sql"])
        assert match, query["sql"]
        verb, table = match.groups()
        # Savepoint names are random per call; only their being there counts.
        statements.append((verb, table if verb not in {"SAVEPOINT", "RELEASE"} else ""))
    # Run what the commit left behind (huey is immediate in tests), noting each job it queues.
    with mock.patch.object(HUEY, "enqueue", wraps=HUEY.enqueue) as enqueue:
        for callback in callbacks:
            callback()
    return Work(status, statements, [call.args[0].name for call in enqueue.call_args_list])


@pytest.fixture
def reader() -> User:
    """A customer with a phone and a confirmed e-mail, so both recovery channels reach them."""
    return make_customer(phone=KNOWN, email="reader@example.ru")


def _recover_from(ip: str, identifier: str) -> Callable[[], Any]:
    client = Client(REMOTE_ADDR=ip)
    altcha = solve_captcha(client)
    return lambda: client.post("/recover/", {"identifier": identifier, "altcha": altcha})


@pytest.mark.parametrize(
    ("known", "unknown"), [(KNOWN, UNKNOWN), ("reader@example.ru", "stranger@example.ru")]
)
def test_recovery_does_the_same_work_for_known_and_unknown_identifiers(
    reader: User, known: str, unknown: str, django_capture_on_commit_callbacks: Any
) -> None:
    reader.email_confirmed_at = reader.phone_confirmed_at
    reader.save(update_fields=["email_confirmed_at"])
    # Opens the counters every request shares (the global SMS cap), so neither is the first.
    _recover_from("10.2.0.9", "+79160000000")()

    work = {
        identifier: work_of(_recover_from(ip, identifier), django_capture_on_commit_callbacks)
        for identifier, ip in ((known, "10.2.0.1"), (unknown, "10.2.0.2"))
    }

    assert work[known] == work[unknown]
    assert work[known].status == 302
    assert ("INSERT INTO", "messaging_outgoingmessage") in work[known].statements
    assert work[known].queued == ["deliver_message"]
    # Only the customer got anything; the stranger's message was withheld by the job.
    assert len(sent(to=known)) == 1
    assert sent(to=unknown) == []
    assert OutgoingMessage.objects.get(to=unknown).status == OutgoingMessage.Status.WITHHELD
    assert [m.to for m in mail.outbox] == ([[known]] if "@" in known else [])


def test_resending_a_recovery_code_does_the_same_work_for_an_unknown_phone(
    reader: User, django_capture_on_commit_callbacks: Any
) -> None:
    _recover_from("10.3.0.9", "+79160000000")()
    work: dict[str, Work] = {}
    for phone, ip in ((KNOWN, "10.3.0.1"), (UNKNOWN, "10.3.0.2")):
        client = Client(REMOTE_ADDR=ip)
        client.post("/recover/", {"identifier": phone, "altcha": solve_captcha(client)})
        work[phone] = work_of(
            partial(client.post, "/recover/resend/"), django_capture_on_commit_callbacks
        )

    assert work[KNOWN] == work[UNKNOWN]
    assert work[KNOWN].queued == ["deliver_message"]
    assert len(sent(to=KNOWN)) == 2
    assert sent(to=UNKNOWN) == []


def test_registration_does_the_same_work_for_a_phone_with_and_without_an_account(
    reader: User, django_capture_on_commit_callbacks: Any
) -> None:
    def register(ip: str, phone: str) -> Callable[[], Any]:
        client = Client(REMOTE_ADDR=ip)
        data = {
            "phone": phone,
            "consent_personal_data": "on",
            "consent_user_agreement": "on",
            "altcha": solve_captcha(client),
        }
        return lambda: client.post("/register/", data)

    register("10.4.0.9", "+79160000000")()
    work = {
        phone: work_of(register(ip, phone), django_capture_on_commit_callbacks)
        for phone, ip in ((KNOWN, "10.4.0.1"), (UNKNOWN, "10.4.0.2"))
    }

    assert work[KNOWN] == work[UNKNOWN]
    assert work[KNOWN].queued == ["deliver_message"]
