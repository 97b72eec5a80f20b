"""Login with throttling, and logout.

Throttling policy (stops guessing without handing an attacker a way to lock the owner out):

* per identifier *and* client IP: after ``LOGIN_FAILURES_PER_IDENTIFIER`` failures in
  ``LOGIN_FAILURE_WINDOW`` that pair must wait, 1 minute the first time and twice as long each
  next time within a day, up to ``LOGIN_MAX_DELAY``. The owner on another network is not affected;
* per client IP: ``LOGIN_FAILURES_PER_IP`` failures in the window (any identifiers, the pattern of
  password spraying) block that IP for the rest of the window;
* per identifier from anywhere: ``LOGIN_FAILURES_PER_ACCOUNT`` failures in the window (a
  distributed attack on one account) put it under attack for the rest of the window. Then the
  addresses that failed for it in the window are refused, and every other address must solve a
  hard captcha with the password: strangers cannot lock the owner out, and the attack costs
  seconds of work per guess. Recovering the password clears it.

A successful login clears the identifier's counters. Unknown identifiers are counted exactly like
known ones and get the same messages, so the answers never show which accounts exist. When the
counters' cache is down, login goes on unthrottled (logged): each try still costs a password hash,
and locking every customer out would be worse.
"""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from kabinet.core import ratelimit
from kabinet.core.audit import Action, record
from kabinet.core.errors import Refusal
from kabinet.core.ratelimit import CACHE_FAILURES
from kabinet.identity.backends import parse_identifier
from kabinet.identity.models import User

logger = logging.getLogger(__name__)

_DAY = 24 * 3600


class LoginFailed(Refusal):
    """Wrong identifier or password, or throttled; ``message`` is Russian text for the customer."""

    default_code = "invalid_credentials"


class LoginThrottled(LoginFailed):
    default_code = "throttled"

    def __init__(self, seconds: int) -> None:
        minutes = max(1, math.ceil(seconds / 60))
        super().__init__(_("Слишком много попыток. Попробуйте через %(n)d мин.") % {"n": minutes})
        self.seconds = seconds


def _key(*parts: str) -> str:
    # Cache keys carry no phone, e-mail or IP in the clear.
    return "login:" + salted_hmac("kabinet.login", ":".join(parts), algorithm="sha256").hexdigest()


class LoginChallenge(LoginFailed):
    """The identifier is under attack: solve a hard captcha and send the password again."""

    default_code = "captcha_required"

    def __init__(self) -> None:
        super().__init__(
            _(
                "На этот вход было много неудачных попыток. Пройдите усиленную проверку "
                "«Я не робот» и войдите ещё раз."
            )
        )


def _identifier_key(raw: str) -> str:
    parsed = parse_identifier(raw)
    return parsed.value if parsed else raw.strip().lower()


def _check_blocks(ident: str, ip: str, *, hard_captcha: bool) -> None:
    try:
        under_attack = ratelimit.blocked_for(_key("block", "id", ident))
        failed_here = under_attack and ratelimit.count(_key("failed", ident, ip)) > 0
        wait = max(
            ratelimit.blocked_for(_key("block", "pair", ident, ip)),
            ratelimit.blocked_for(_key("block", "ip", ip)),
            under_attack if failed_here else 0,
        )
    except CACHE_FAILURES:
        logger.exception("login throttle unavailable")
        return
    if wait:
        raise LoginThrottled(wait)
    if under_attack and not hard_captcha:
        raise LoginChallenge()


def _count_failure(ident: str, ip: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW
    pair = _key("pair", ident, ip)
    try:
        # Which addresses failed for the identifier: only they are refused while it is under
        # attack (the pair counter is reset when its delay starts, so it cannot tell).
        ratelimit.increment(_key("failed", ident, ip), window=window)
        # hit() is True while the count, this one included, is within the limit: the N-th
        # failure itself starts the delay.
        if not ratelimit.hit(pair, limit=settings.LOGIN_FAILURES_PER_IDENTIFIER - 1, window=window):
            # The n-th delay within a day (1 first) doubles the one before it.
            level = ratelimit.increment(_key("level", ident, ip), window=_DAY) - 1
            delay = min(60 * 2**level, settings.LOGIN_MAX_DELAY)
            ratelimit.block(_key("block", "pair", ident, ip), seconds=delay)
            ratelimit.reset(pair)
        if not ratelimit.hit(
            _key("ip", ip), limit=settings.LOGIN_FAILURES_PER_IP - 1, window=window
        ):
            ratelimit.block(_key("block", "ip", ip), seconds=window)
        if not ratelimit.hit(
            _key("id", ident), limit=settings.LOGIN_FAILURES_PER_ACCOUNT - 1, window=window
        ):
            ratelimit.block(_key("block", "id", ident), seconds=window)
    except CACHE_FAILURES:
        logger.exception("login throttle unavailable")


def clear_throttle(*, identifier: str, client_ip: str | None = None) -> None:
    """Forget failures of ``identifier`` (from ``client_ip``, or only the global count)."""
    ident = _identifier_key(identifier)
    try:
        ratelimit.reset(_key("id", ident), _key("block", "id", ident))
        if client_ip is not None:
            ratelimit.reset(
                _key("pair", ident, client_ip),
                _key("block", "pair", ident, client_ip),
                _key("level", ident, client_ip),
            )
    except CACHE_FAILURES:
        logger.exception("login throttle unavailable")


def log_in(
    *,
    request: HttpRequest,
    identifier: str,
    password: str,
    client_ip: str,
    hard_captcha: bool = False,
) -> User:
    """Check a phone-or-e-mail and password, throttled; returns the user to log in.

    Raises ``LoginThrottled`` while a delay runs (before the password is looked at),
    ``LoginChallenge`` while the identifier is under attack and no hard captcha was solved
    (``hard_captcha``), and ``LoginFailed`` with one message for an unknown identifier and a
    wrong password alike. Audits a failure and a success alike. The caller starts the session.
    """
    ident = _identifier_key(identifier)
    _check_blocks(ident, client_ip, hard_captcha=hard_captcha)
    user = authenticate(request, username=identifier, password=password)
    if user is None or not isinstance(user, User):
        _count_failure(ident, client_ip)
        parsed = parse_identifier(identifier)
        with transaction.atomic():
            record(
                actor=None,
                # Only a well-formed phone or e-mail: a password typed into the wrong field
                # must not end up in the log.
                actor_label=parsed.value if parsed else "",
                action=Action.LOGIN_FAILED,
                obj=None,
                ip=client_ip,
            )
        raise LoginFailed(_("Неверный телефон, e-mail или пароль."))
    clear_throttle(identifier=ident, client_ip=client_ip)
    with transaction.atomic():
        record(actor=user, action=Action.USER_LOGGED_IN, obj=user, ip=client_ip)
    return user


def record_logout(*, user: User, client_ip: str | None) -> None:
    """Audit a logout; the caller flushes the session."""
    with transaction.atomic():
        record(actor=user, action=Action.USER_LOGGED_OUT, obj=user, ip=client_ip)
