"""Registration by phone (SMS code) or by e-mail (confirmation link).

No user exists until the phone or address is proven: the pending registration lives in a
``Verification`` whose payload holds the consents (and, for e-mail, the password hash). Whether
the phone or address already has an account is never shown to the person typing it: they see the
same page; the owner gets an informational SMS or letter instead of a code.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.audit import Action, record
from kabinet.core.errors import Refusal
from kabinet.identity.models import User, Verification
from kabinet.identity.services import verification as codes
from kabinet.identity.services.consents import pending_consents, record_pending_consents
from kabinet.identity.services.profile import offer_email_at_registration
from kabinet.messaging.services import send_email, send_sms

Purpose = Verification.Purpose
Channel = Verification.Channel

# How long a proven phone may wait for its password and details.
PROVEN_TTL = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class PersonalDetails:
    """Surname and name required, the rest optional."""

    last_name: str
    first_name: str
    patronymic: str = ""
    birth_date: dt.date | None = None
    gender: str = ""


class RegistrationFailed(Refusal):
    """The registration cannot go on; ``message`` is Russian text for the customer."""

    default_code = "registration_failed"


def _new_username() -> str:
    # Customers never type it; it only has to be unique and say nothing about them.
    return "u" + secrets.token_hex(10)


def _exists_notice(channel: str) -> codes.Message:
    return codes.Message("register_exists", {"site_url": settings.SITE_URL})


def _audit_registered(user: User, channel: str, ip_address: str | None) -> None:
    record(actor=user, action=Action.USER_REGISTERED, obj=user, channel=channel, ip=ip_address)


def start_phone_registration(
    *, phone: str, consents: Iterable[str], client_ip: str | None, hard_captcha: bool = False
) -> Verification:
    """Send a registration code to ``phone`` (E.164); returns the pending registration.

    For a phone that already has an account, an informational SMS goes out instead and the
    returned verification can never be proven. Raises ``ResendTooSoon`` within the cooldown for
    this phone and ``DeliveryRefused`` when messaging refuses; nothing is written then.
    ``hard_captcha`` (a hard challenge was solved) gets past the SMS caps strangers can use up.
    """
    with transaction.atomic():
        exists = User.objects.filter(phone=phone).exists()
        verification = codes.create(
            purpose=Purpose.REGISTER,
            channel=Channel.SMS,
            target=phone,
            payload={"consents": pending_consents(kinds=consents, ip_address=client_ip)},
            message=None if exists else codes.Message("register_code", {}),
            client_ip=client_ip,
            hard_captcha=hard_captcha,
        )
        if exists:
            send_sms(
                to=phone,
                template="register_exists",
                context={"site_url": settings.SITE_URL},
                client_ip=client_ip,
                hard_captcha=hard_captcha,
            )
    return verification


def confirm_phone(*, verification_id: int, code: str) -> Verification:
    """Prove the phone of a pending registration with its SMS code.

    Raises ``VerificationFailed`` (wrong, expired, used code, too many tries); a wrong try is
    counted and committed. On success the registration waits ``PROVEN_TTL`` for its password.
    """
    with transaction.atomic():
        verification, refusal = codes.consume_sms_code(
            verification_id=verification_id, purpose=Purpose.REGISTER, code=code
        )
        if refusal is None and verification is not None:
            verification.payload = {
                **verification.payload,
                "proven_at": timezone.now().isoformat(),
            }
            verification.expires_at = timezone.now() + PROVEN_TTL
            verification.save(update_fields=["payload", "expires_at"])
    if refusal is not None or verification is None:
        raise codes.VerificationFailed(refusal or "")
    return verification


def proven_phone_registration(verification_id: int | None) -> Verification | None:
    """The pending phone registration if its code was entered and it has not expired."""
    if verification_id is None:
        return None
    verification = Verification.objects.filter(
        pk=verification_id,
        purpose=Purpose.REGISTER,
        channel=Channel.SMS,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()
    if verification is None or "proven_at" not in verification.payload:
        return None
    return verification


def complete_phone_registration(
    *,
    verification_id: int,
    password: str,
    details: PersonalDetails,
    client_ip: str | None,
    email: str = "",
) -> User:
    """Create the user of a proven phone registration with a password and personal details.

    ``email`` (optional, normalised): the address gets a confirmation link and becomes the
    user's once followed (``profile.offer_email_at_registration``).

    The password must already have passed the validators. Raises ``RegistrationFailed`` when the
    registration is not proven, expired, used, or the phone got an account meanwhile.
    """
    with transaction.atomic():
        verification = Verification.objects.select_for_update().filter(pk=verification_id).first()
        if verification is None or proven_phone_registration(verification.pk) is None:
            raise RegistrationFailed(_("Срок регистрации истёк. Начните заново."))
        now = timezone.now()
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=_new_username(),
                    password=password,
                    phone=verification.target,
                    phone_confirmed_at=now,
                    last_name=details.last_name,
                    first_name=details.first_name,
                    patronymic=details.patronymic,
                    birth_date=details.birth_date,
                    gender=details.gender,
                )
        except IntegrityError:
            # The phone is proven, so telling its owner it has an account reveals nothing.
            raise RegistrationFailed(
                _("Этот телефон уже зарегистрирован. Войдите или восстановите пароль.")
            ) from None
        record_pending_consents(user=user, pending=verification.payload.get("consents", []))
        verification.used_at = now
        verification.user = user
        verification.save(update_fields=["used_at", "user"])
        _audit_registered(user, Channel.SMS, client_ip)
        if email:
            offer_email_at_registration(user=user, address=email)
    return user


def start_email_registration(
    *, email: str, password: str, consents: Iterable[str], client_ip: str | None
) -> Verification:
    """Send a confirmation link to ``email``; the user is created when it is followed.

    The password (already validated) is kept only as a hash in the pending registration. For an
    address that has an account, a letter saying so goes out instead, and the returned
    verification can never be confirmed. Raises ``ResendTooSoon`` within the cooldown.
    """
    email = email.strip().lower()
    with transaction.atomic():
        exists = User.objects.filter(email=email).exists()
        payload = {
            "consents": pending_consents(kinds=consents, ip_address=client_ip),
            "password_hash": make_password(password),
        }
        verification = codes.create(
            purpose=Purpose.REGISTER,
            channel=Channel.EMAIL,
            target=email,
            payload=payload,
            message=None
            if exists
            else codes.Message(
                "register_confirm",
                {"link_url_name": "identity:register_email_confirm", "hours": _link_hours()},
            ),
            client_ip=client_ip,
        )
        if exists:
            send_email(
                to=email, template="register_exists", context={"site_url": settings.SITE_URL}
            )
    return verification


def _link_hours() -> int:
    return settings.VERIFICATION_LINK_TTL // 3600


def resend_registration(*, verification_id: int, client_ip: str | None) -> Verification:
    """Send the code or letter of a pending registration again (see ``verification.resend``)."""
    verification = Verification.objects.filter(pk=verification_id).first()
    channel = verification.channel if verification else Channel.SMS
    return codes.resend(
        verification_id=verification_id,
        client_ip=client_ip,
        informational=_exists_notice(channel),
    )


def confirm_email_registration(*, token: str, client_ip: str | None) -> User:
    """Create the user of the pending e-mail registration the link ``token`` belongs to.

    Raises ``RegistrationFailed`` for an unknown, used or expired link, or when the address got an
    account meanwhile (its owner followed the link, so saying so reveals nothing).
    """
    with transaction.atomic():
        verification = codes.find_by_link(purpose=Purpose.REGISTER, token=token, for_update=True)
        if verification is None:
            raise RegistrationFailed(
                _("Ссылка недействительна или устарела. Зарегистрируйтесь заново.")
            )
        now = timezone.now()
        try:
            with transaction.atomic():
                user = User(
                    username=_new_username(),
                    email=verification.target,
                    email_confirmed_at=now,
                    password=verification.payload["password_hash"],
                )
                user.save()
        except IntegrityError:
            raise RegistrationFailed(
                _("Этот адрес уже зарегистрирован. Войдите или восстановите пароль.")
            ) from None
        record_pending_consents(user=user, pending=verification.payload.get("consents", []))
        verification.used_at = now
        verification.user = user
        # The password hash has done its job; it should not outlive the registration.
        verification.payload = {
            k: v for k, v in verification.payload.items() if k != "password_hash"
        }
        verification.save(update_fields=["used_at", "user", "payload"])
        _audit_registered(user, Channel.EMAIL, client_ip)
    return user


def save_personal_details(*, user: User, details: PersonalDetails) -> User:
    """Fill in the details asked at first login when missing."""
    with transaction.atomic():
        user.last_name = details.last_name
        user.first_name = details.first_name
        user.patronymic = details.patronymic
        user.birth_date = details.birth_date
        user.gender = details.gender
        user.save(update_fields=["last_name", "first_name", "patronymic", "birth_date", "gender"])
        record(actor=user, action=Action.PERSONAL_DETAILS_FILLED, obj=user)
    return user
