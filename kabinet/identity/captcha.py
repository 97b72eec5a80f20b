"""ALTCHA: a self-hosted proof-of-work captcha (no third party sees the customer).

The server hands out a signed challenge (``challenge_json``); the browser widget finds the number
that solves it and posts a base64 payload in the ``altcha`` field; ``verify_payload`` checks the
signature and expiry and remembers the challenge until it expires (in the rate limiter's shared
store), so one solution passes once.
The npm widget 2.x speaks ALTCHA's v1 protocol, hence ``altcha.v1``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from typing import Any, cast
from urllib.parse import parse_qs

from altcha.v1 import ChallengeOptions, PayloadType, create_challenge, verify_solution
from django.conf import settings
from django.utils import timezone

from kabinet.core import ratelimit
from kabinet.core.ratelimit import CACHE_FAILURES

logger = logging.getLogger(__name__)


NORMAL = "normal"
HARD = "hard"


def challenge_json(*, hard: bool = False) -> dict[str, Any]:
    """A fresh challenge for the widget, valid for ``ALTCHA_EXPIRES`` seconds.

    A hard one costs ``ALTCHA_HARD_FACTOR`` times the work (about a second in a browser): it is
    what a customer solves instead of being refused when a limit that strangers can use up (the
    SMS caps per number and in total, the login failures of an identifier) has tripped. Its level
    is in the signed salt, so an easy solution cannot pass for a hard one.
    """
    factor = settings.ALTCHA_HARD_FACTOR if hard else 1
    challenge = create_challenge(
        ChallengeOptions(
            algorithm="SHA-256",
            max_number=settings.ALTCHA_MAX_NUMBER * factor,
            hmac_key=settings.ALTCHA_HMAC_KEY,
            expires=timezone.now() + dt.timedelta(seconds=settings.ALTCHA_EXPIRES),
            params={"level": HARD if hard else NORMAL},
        )
    )
    return dict(challenge.to_dict())


def verify_payload(payload: str) -> bool:
    """True when ``payload`` solves a challenge we signed, not expired and not seen before."""
    return payload_level(payload) is not None


def payload_level(payload: str) -> str | None:
    """``HARD`` or ``NORMAL`` when ``payload`` solves a challenge we signed, not expired and not
    seen before; None otherwise (and the solution is spent once it passed).

    A challenge without an expiry is refused: every one we issue has one, and remembering used
    challenges only works while they can expire.
    """
    if not payload or len(payload) > 2000:
        return None
    try:
        data = json.loads(base64.b64decode(payload, validate=True))
    except (ValueError, TypeError):
        return None
    if not isinstance(data, dict) or "expires=" not in str(data.get("salt", "")):
        return None
    ok, _error = verify_solution(
        cast(PayloadType, data), settings.ALTCHA_HMAC_KEY, check_expires=True
    )
    if not ok:
        return None
    # The salt's parameters are covered by the signature.
    params = parse_qs(str(data["salt"]).partition("?")[2])
    level = HARD if params.get("level") == [HARD] else NORMAL
    # Single use: the claim is atomic in the store every worker shares, so of two requests with
    # the same solution exactly one passes, whichever workers take them. The mark lives a little
    # longer than the challenge, after which verify_solution refuses it anyway.
    try:
        fresh = ratelimit.claim(
            f"altcha:used:{data['challenge']}", timeout=settings.ALTCHA_EXPIRES + 60
        )
    except CACHE_FAILURES:
        # Without the store a solution could be replayed; refuse rather than let bots through.
        logger.exception("rate limiter unavailable, refusing captcha")
        return None
    return level if fresh else None
