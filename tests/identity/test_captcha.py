"""ALTCHA challenges: signed, expiring, single use."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from kabinet.identity import captcha
from tests.identity.conftest import solve_captcha


def test_it_serves_a_signed_expiring_challenge() -> None:
    response = Client().get("/captcha/challenge/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    data = response.json()
    assert data["algorithm"] == "SHA-256"
    assert "expires=" in data["salt"]
    assert data["signature"]


@pytest.mark.django_db
def test_a_solution_passes_once() -> None:
    payload = solve_captcha(Client())
    assert captcha.verify_payload(payload)
    assert not captcha.verify_payload(payload)


def test_it_refuses_an_expired_challenge(settings: Any) -> None:
    settings.ALTCHA_EXPIRES = -5
    assert not captcha.verify_payload(solve_captcha(Client()))


def test_it_refuses_a_challenge_signed_with_another_key(settings: Any) -> None:
    payload = solve_captcha(Client())
    settings.ALTCHA_HMAC_KEY = "another-key"
    assert not captcha.verify_payload(payload)


def test_it_refuses_a_tampered_number() -> None:
    data = json.loads(base64.b64decode(solve_captcha(Client())))
    data["number"] += 1
    assert not captcha.verify_payload(base64.b64encode(json.dumps(data).encode()).decode())


@pytest.mark.parametrize("payload", ["", "not base64!", base64.b64encode(b"[1]").decode()])
def test_it_refuses_garbage(payload: str) -> None:
    assert not captcha.verify_payload(payload)


def test_it_refuses_a_challenge_without_expiry(settings: Any) -> None:
    from altcha.v1 import ChallengeOptions, create_challenge, solve_challenge

    challenge = create_challenge(
        ChallengeOptions(hmac_key=settings.ALTCHA_HMAC_KEY, max_number=500)
    )
    solution = solve_challenge(challenge)
    assert solution is not None
    payload = {
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "number": solution.number,
        "salt": challenge.salt,
        "signature": challenge.signature,
    }
    assert not captcha.verify_payload(base64.b64encode(json.dumps(payload).encode()).decode())
