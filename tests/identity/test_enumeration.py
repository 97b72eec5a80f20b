"""No enumeration through the SMS allowance (finding 4 of issue 16).

Once a number has used its allowance, recovery answered «На этот номер уже отправлено много SMS»
for a phone with an account and went on for a phone without one: an unknown number sent nothing
and never counted. Now both spend the same allowance and get the same answers.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from kabinet.core import ratelimit
from kabinet.identity.models import User
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
