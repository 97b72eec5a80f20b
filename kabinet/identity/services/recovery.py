"""Password recovery: an SMS code for a phone, a link for a confirmed e-mail.

The customer sees the same next page whether or not the phone or address has an account. An
unknown phone or address (or one not confirmed) gets a verification that can never be proven and
a withheld message: the request renders, counts against the SMS allowance, writes and queues it
as it would a real code or link, and the delivery job sends nothing (texting strangers would be
spam). So a spent allowance answers alike for both, and neither the answers nor the work done
in the request tell which identifiers have an account.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.audit import Action, record
from kabinet.core.errors import Refusal
from kabinet.identity.backends import Identifier
from kabinet.identity.models import User, Verification
from kabinet.identity.services import tokens
from kabinet.identity.services import verification as codes
from kabinet.identity.services.login import clear_throttle

Purpose = Verification.Purpose
Channel = Verification.Channel


class RecoveryFailed(Refusal):
    """The recovery cannot go on; ``message`` is Russian text for the customer."""

    default_code = "invalid_link"


def start_recovery(
    *, identifier: Identifier, client_ip: str | None, hard_captcha: bool = False
) -> Verification:
    """Send a recovery code (phone) or link (e-mail) if an account has it; returns the pending row.

    Raises ``ResendTooSoon`` within the cooldown for this phone or address, and lets messaging's
    ``DeliveryRefused`` through (``hard_captcha`` gets past the caps strangers can use up).
    """
    with transaction.atomic():
        if identifier.kind == "phone":
            user = User.objects.filter(phone=identifier.value, is_active=True).first()
            message = codes.Message("recover_code", {}) if user else None
            decoy = None if user else codes.Message("recover_code", {})
            channel = Channel.SMS
        else:
            user = User.objects.filter(
                email=identifier.value, is_active=True, email_confirmed_at__isnull=False
            ).first()
            link = codes.Message(
                "recover_link", {"link_url_name": "identity:recover_email_confirm"}
            )
            message = link if user else None
            decoy = None if user else link
            channel = Channel.EMAIL
        return codes.create(
            purpose=Purpose.RECOVER,
            channel=channel,
            target=identifier.value,
            user=user,
            message=message,
            decoy=decoy,
            client_ip=client_ip,
            hard_captcha=hard_captcha,
            ttl=settings.VERIFICATION_CODE_TTL
            if channel == Channel.SMS
            else settings.RECOVERY_LINK_TTL,
        )


def resend_recovery(*, verification_id: int, client_ip: str | None) -> Verification:
    """Send the recovery code or link again; nothing goes out for an unknown phone or address."""
    return codes.resend(verification_id=verification_id, client_ip=client_ip)


def _set_password(verification: Verification, password: str, client_ip: str | None) -> User:
    """The new password, and every way in that the old one opened closed.

    Web sessions end by themselves (Django's session hash follows the password); API tokens do
    not, so every one goes: someone who recovers a password may be shutting out whoever stole
    the old one, phone app included.
    """
    user = verification.user
    assert user is not None  # a verification with a user is the only kind that can be proven
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    revoked = tokens.revoke_all_tokens(user=user)
    verification.used_at = timezone.now()
    verification.save(update_fields=["used_at"])
    record(
        actor=user,
        action=Action.PASSWORD_RECOVERED,
        obj=user,
        channel=verification.channel,
        ip=client_ip,
        tokens_revoked=revoked,
    )
    return user


def recover_by_code(
    *, verification_id: int, code: str, password: str, client_ip: str | None
) -> User:
    """Set a new password after checking the SMS code of a phone recovery.

    Raises ``VerificationFailed`` for a wrong (counted and committed), expired or used code, and
    ``ValidationError`` if the password fails the policy (callers validate it first).
    """
    with transaction.atomic():
        verification, refusal = codes.consume_sms_code(
            verification_id=verification_id, purpose=Purpose.RECOVER, code=code
        )
        if refusal is None and verification is not None:
            user = _set_password(verification, password, client_ip)
    if refusal is not None:
        raise codes.VerificationFailed(refusal)
    clear_throttle(identifier=user.phone or "")
    return user


def recovery_by_link(token: str) -> Verification | None:
    """The pending e-mail recovery the link ``token`` belongs to, or None."""
    return codes.find_by_link(purpose=Purpose.RECOVER, token=token)


def recover_by_link(*, token: str, password: str, client_ip: str | None) -> User:
    """Set a new password through an e-mail recovery link (single use, expires).

    Raises ``RecoveryFailed`` for an unknown, used or expired link.
    """
    with transaction.atomic():
        verification = codes.find_by_link(purpose=Purpose.RECOVER, token=token, for_update=True)
        if verification is None or verification.user is None:
            raise RecoveryFailed(_("Ссылка недействительна или устарела. Запросите новую."))
        user = _set_password(verification, password, client_ip)
    clear_throttle(identifier=user.email or "")
    return user
