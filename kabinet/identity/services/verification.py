"""One-time SMS codes and e-mail links: create, send, check, resend.

Only a keyed hash of a secret is stored (``Verification.secret_hash``). A code's hash mixes in a
random salt kept in the payload, because six digits repeat across people and the column is
unique; a link token has 256 random bits and is found by its hash alone.

Every function here is called from inside the act's own transaction (registration, recovery), so
none opens a transaction of its own except ``resend`` and ``check_code``, which are acts by
themselves. A message is handed to ``kabinet.messaging`` in the same transaction: it is delivered
after commit and retried while the provider is down, so a code is never lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kabinet.core.errors import Refusal
from kabinet.identity.models import User, Verification
from kabinet.messaging.services import send_email, send_sms

Purpose = Verification.Purpose
Channel = Verification.Channel


class VerificationFailed(Refusal):
    """The code or link does not prove anything; ``message`` is Russian text for the customer."""

    default_code = "invalid_code"


class ResendTooSoon(VerificationFailed):
    """A new code or letter was asked for within the cooldown."""

    default_code = "refused"

    def __init__(self, seconds: int) -> None:
        super().__init__(
            ngettext(
                "Повторная отправка возможна через %(n)d секунду.",
                "Повторная отправка возможна через %(n)d секунд.",
                seconds,
            )
            % {"n": seconds}
        )
        self.seconds = seconds


@dataclass(frozen=True)
class Message:
    """What to send: a template under messaging/sms or messaging/email, and its context.

    The context must be JSON (it is kept for resending). The sender adds ``code`` to an SMS, and
    ``link`` (SITE_URL + the URL named ``link_url_name`` with the token) to an e-mail.
    """

    template: str
    context: Mapping[str, Any]


def _digest(value: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"kabinet.verification:{value}".encode(), hashlib.sha256
    ).hexdigest()


def _code_digest(salt: str, code: str) -> str:
    return _digest(f"code:{salt}:{code}")


def link_digest(token: str) -> str:
    """The stored form of a link token."""
    return _digest(f"link:{token}")


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _send(
    verification: Verification,
    message: Message,
    secret: str,
    client_ip: str | None,
    hard_captcha: bool = False,
    withhold: bool = False,
) -> None:
    context = dict(message.context)
    if verification.channel == Channel.SMS:
        if secret:
            context["code"] = secret
        send_sms(
            to=verification.target,
            template=message.template,
            context=context,
            client_ip=client_ip,
            hard_captcha=hard_captcha,
            withhold=withhold,
        )
    else:
        if secret and "link_url_name" in context:
            path = reverse(context["link_url_name"], kwargs={"token": secret})
            context["link"] = settings.SITE_URL.rstrip("/") + path
        send_email(
            to=verification.target,
            template=message.template,
            context=context,
            withhold=withhold,
        )


def _set_code(verification: Verification) -> str:
    code = _new_code()
    salt = secrets.token_hex(16)
    verification.payload = {**verification.payload, "salt": salt}
    verification.secret_hash = _code_digest(salt, code)
    return code


def _set_token(verification: Verification) -> str:
    token = secrets.token_urlsafe(32)
    verification.secret_hash = link_digest(token)
    return token


def cooldown_left(verification: Verification) -> int:
    """Seconds until another code or letter may be sent for ``verification`` (0: now)."""
    ready = verification.last_sent_at + dt.timedelta(seconds=settings.VERIFICATION_RESEND_COOLDOWN)
    return max(0, int((ready - timezone.now()).total_seconds() + 0.999))


def create(
    *,
    purpose: str,
    channel: str,
    target: str,
    user: User | None = None,
    payload: Mapping[str, Any] | None = None,
    message: Message | None,
    decoy: Message | None = None,
    client_ip: str | None = None,
    ttl: int | None = None,
    hard_captcha: bool = False,
) -> Verification:
    """Create a verification for ``target`` and send its code or link as ``message``.

    With ``message=None`` nothing is sent: the verification exists so the customer's next page
    looks the same whether or not an account exists, and it can never be proven. ``decoy`` is
    then the message an account would have got: it is rendered, counted against the SMS caps,
    written and queued as a withheld message, now and on every resend, so a spent allowance is
    refused alike for known and unknown targets and the request does the same work for both;
    the delivery job sends nothing for it. ``hard_captcha``: the requester
    solved a hard challenge, which goes past the SMS caps strangers can use up. Earlier pending
    verifications of the same purpose and target stop working. Raises ``ResendTooSoon`` when one
    was sent within the cooldown, and lets ``DeliveryRefused`` through; nothing is written then
    if the caller's transaction rolls back. Must run inside the caller's transaction.
    """
    now = timezone.now()
    previous = (
        Verification.objects.select_for_update()
        .filter(purpose=purpose, target=target, used_at__isnull=True, expires_at__gt=now)
        .order_by("-last_sent_at")
    )
    latest = previous.first()
    if latest is not None and cooldown_left(latest):
        raise ResendTooSoon(cooldown_left(latest))
    previous.update(used_at=now)
    if ttl is None:
        ttl = (
            settings.VERIFICATION_CODE_TTL
            if channel == Channel.SMS
            else settings.VERIFICATION_LINK_TTL
        )
    verification = Verification(
        purpose=purpose,
        channel=channel,
        target=target,
        user=user,
        payload={**(payload or {}), "silent": message is None, "ttl": ttl},
        created_at=now,
        expires_at=now + dt.timedelta(seconds=ttl),
        last_sent_at=now,
    )
    secret = _set_code(verification) if channel == Channel.SMS else _set_token(verification)
    if message is not None:
        verification.payload["message"] = {
            "template": message.template,
            "context": dict(message.context),
        }
    elif decoy is not None:
        verification.payload["decoy"] = {"template": decoy.template, "context": dict(decoy.context)}
    verification.save()
    if message is not None:
        _send(verification, message, secret, client_ip, hard_captcha)
    elif decoy is not None:
        _send(verification, decoy, secret, client_ip, hard_captcha, withhold=True)
    return verification


def resend(
    *, verification_id: int, client_ip: str | None = None, informational: Message | None = None
) -> Verification:
    """Send a fresh code or link for a pending verification (the old one stops working).

    The wrong-try counter starts again and the code gets a new lifetime. A silent verification
    (no account behind it) sends ``informational`` instead, if given, so the customer's page is
    the same either way. Raises ``ResendTooSoon`` within the cooldown, ``VerificationFailed`` when
    the verification is gone, used or sent too often; ``DeliveryRefused`` from messaging.
    """
    with transaction.atomic():
        verification = Verification.objects.select_for_update().filter(pk=verification_id).first()
        if verification is None or verification.used_at is not None:
            raise VerificationFailed(_("Срок действия кода истёк. Начните заново."))
        if left := cooldown_left(verification):
            raise ResendTooSoon(left)
        if verification.send_count >= settings.VERIFICATION_MAX_SENDS:
            raise VerificationFailed(_("Превышено число повторных отправок. Начните заново позже."))
        now = timezone.now()
        ttl = int(verification.payload.get("ttl") or settings.VERIFICATION_CODE_TTL)
        secret = (
            _set_code(verification)
            if verification.channel == Channel.SMS
            else _set_token(verification)
        )
        verification.attempts = 0
        verification.send_count += 1
        verification.last_sent_at = now
        verification.expires_at = now + dt.timedelta(seconds=ttl)
        verification.save()
        stored = verification.payload.get("message")
        decoy = verification.payload.get("decoy")
        if stored:
            _send(verification, Message(stored["template"], stored["context"]), secret, client_ip)
        elif informational is not None:
            _send(verification, informational, "", client_ip)
        elif decoy:
            _send(
                verification,
                Message(decoy["template"], decoy["context"]),
                secret,
                client_ip,
                withhold=True,
            )
    return verification


def _refusal(verification: Verification | None, now: dt.datetime) -> str | None:
    if verification is None or verification.used_at is not None:
        return _("Код уже использован или недействителен. Запросите новый код.")
    if verification.expires_at <= now:
        return _("Срок действия кода истёк. Запросите новый код.")
    if verification.attempts >= settings.VERIFICATION_CODE_ATTEMPTS:
        return _("Превышено число попыток ввода кода. Запросите новый код.")
    return None


def consume_code(verification: Verification, code: str) -> str | None:
    """Check ``code`` against a row locked by the caller; None when it is right.

    A wrong code counts a try and saves it; the caller must not roll its transaction back on a
    refusal, or the try would not count (so it returns the refusal instead of raising).
    The code's digest is compared with ``hmac.compare_digest``.
    """
    now = timezone.now()
    if refusal := _refusal(verification, now):
        return refusal
    salt = str(verification.payload.get("salt", ""))
    code = "".join(ch for ch in code if ch.isdigit())
    right = not verification.payload.get("silent") and hmac.compare_digest(
        _code_digest(salt, code), verification.secret_hash
    )
    if right:
        return None
    verification.attempts += 1
    verification.save(update_fields=["attempts"])
    left = settings.VERIFICATION_CODE_ATTEMPTS - verification.attempts
    if left <= 0:
        return _("Превышено число попыток ввода кода. Запросите новый код.")
    return ngettext(
        "Неверный код. Осталась %(n)d попытка.", "Неверный код. Осталось попыток: %(n)d.", left
    ) % {"n": left}


def consume_sms_code(
    *, verification_id: int, purpose: str, code: str
) -> tuple[Verification | None, str | None]:
    """Lock the SMS verification ``verification_id`` of ``purpose`` and check ``code`` against it:
    the row and None when the code is right, else the row (or None) and the refusal. Call it inside
    the transaction that acts on a right code; see ``consume_code`` for why a refusal is returned.
    """
    verification = (
        Verification.objects.select_for_update()
        .filter(pk=verification_id, purpose=purpose, channel=Verification.Channel.SMS)
        .first()
    )
    if verification is None:
        return None, _("Код уже использован или недействителен. Запросите новый код.")
    return verification, consume_code(verification, code)


def find_by_link(*, purpose: str, token: str, for_update: bool = False) -> Verification | None:
    """The pending, unexpired verification a link token belongs to, or None."""
    rows = Verification.objects.filter(
        purpose=purpose,
        channel=Channel.EMAIL,
        secret_hash=link_digest(token),
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if for_update:
        rows = rows.select_for_update()
    verification = rows.first()
    if verification is None or verification.payload.get("silent"):
        return None
    return verification
