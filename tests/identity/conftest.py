"""Helpers for identity tests: solving real ALTCHA challenges, reading what was "sent"."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from altcha.v1 import Challenge, solve_challenge
from django.test import Client

from kabinet.messaging.models import OutgoingMessage


def sent(*, to: str | None = None, channel: str | None = None) -> list[dict[str, Any]]:
    """Messages handed to messaging for delivery so far, oldest first.

    Withheld ones (written for an identifier without an account, so that the request does the
    same work) are never delivered, so they are not "sent".
    """
    rows = [
        {"channel": m.channel, "to": m.to, "body": m.body, "subject": m.subject}
        for m in OutgoingMessage.objects.exclude(status=OutgoingMessage.Status.WITHHELD).order_by(
            "created_at", "pk"
        )
    ]
    return [
        r
        for r in rows
        if (to is None or r["to"] == to) and (channel is None or r["channel"] == channel)
    ]


def last_code(phone: str) -> str:
    """The 6-digit code in the latest SMS to ``phone``."""
    match = re.search(r"\b(\d{6})\b", sent(to=phone, channel="sms")[-1]["body"])
    assert match, "no code in the last SMS"
    return match.group(1)


def last_link(email: str) -> str:
    """The path of the link in the latest e-mail to ``email``."""
    match = re.search(r"https?://[^/\s]+(/\S+)", sent(to=email, channel="email")[-1]["body"])
    assert match, "no link in the last e-mail"
    return match.group(1)


def without_tokens(html: str) -> str:
    """A page with its per-request CSRF tokens and captcha challenges blanked out."""
    html = re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', r"\1TOKEN", html)
    return html


def solve_captcha(client: Client, *, hard: bool = False) -> str:
    """Fetch a challenge as the widget does and solve it as a browser would."""
    data = client.get("/captcha/challenge/" + ("?level=hard" if hard else "")).json()
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


@pytest.fixture(autouse=True)
def _cheap_captcha(settings: Any) -> None:
    """A small proof of work keeps the tests fast (still real; tests/conftest.py clears the
    cache, so counters do not leak between tests)."""
    settings.ALTCHA_MAX_NUMBER = 2000
    settings.SITE_URL = "http://testserver"
