"""What a logged-in customer changes about themselves: names, password, phone, e-mail.

Every act is one function: keyword-only arguments, one transaction, one AuditEntry, and
messages queued through the messaging outbox inside that transaction (the outbox row is the
"side effect written first"; its job delivers it after commit). A refused act raises
``ProfileError`` with a Russian message and the form field it belongs to.

Audit rows name the fields that changed, never their values: the log outlives the person
(152-FZ), so it must not carry their data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.audit import Action, record
from kabinet.core.errors import ServiceError
from kabinet.identity.backends import normalize_phone
from kabinet.identity.models import ApiToken, User, Verification
from kabinet.identity.services import tokens
from kabinet.identity.services import verification as codes
from kabinet.messaging.services import DeliveryRefused, send_email, send_sms

PHONE_CODE_TTL = dt.timedelta(minutes=10)
PHONE_CODE_MAX_ATTEMPTS = 5
# An e-mail address is confirmed "within 60 hours", as utility portals promise.
EMAIL_LINK_TTL = dt.timedelta(hours=60)
OLDEST_BIRTH_YEARS = 120


class ProfileError(ServiceError):
    """A profile act refused for a reason the person can fix."""


# --- helpers shared with the forms and the API ------------------------------------------------


def normalise_phone(raw: str) -> str:
    """The number in E.164 (+79161234567); Russian numbers may be typed as 8 (916) 123-45-67.

    Raises ProfileError(field="phone") when it is not a valid number.
    """
    phone = normalize_phone(raw)
    if phone is None:
        raise ProfileError(
            "invalid_phone",
            _("Введите номер мобильного телефона, например +7 912 345-67-89."),
            field="phone",
        )
    return phone


def normalise_email(raw: str) -> str:
    address = raw.strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ProfileError(
            "invalid_email", _("Введите правильный адрес электронной почты."), field="email"
        ) from None
    return address


def check_birth_date(value: dt.date | None) -> None:
    """A date of birth is neither in the future nor older than anyone alive."""
    if value is None:
        return
    today = timezone.localdate()
    if value > today:
        raise ProfileError(
            "invalid_birth_date", _("Дата рождения не может быть в будущем."), field="birth_date"
        )
    if value.year < today.year - OLDEST_BIRTH_YEARS:
        raise ProfileError("invalid_birth_date", _("Проверьте дату рождения."), field="birth_date")


def check_current_password(user: User, password: str) -> None:
    if not password or not user.check_password(password):
        raise ProfileError(
            "wrong_password", _("Неверный текущий пароль."), field="current_password"
        )


# --- one-time codes and links: the shared verification service -------------------------------


def _issue(
    *,
    user: User,
    purpose: str,
    channel: str,
    target: str,
    ttl: dt.timedelta,
    message: codes.Message | None,
    payload: Mapping[str, Any],
    client_ip: str | None = None,
) -> Verification:
    """A pending verification sent through the shared service; the person's earlier ones die.

    ``message=None`` makes it silent: it can never be proven (a number or address that belongs
    to someone else gets a warning instead of a code, and the caller's answer is the same).
    """
    Verification.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    try:
        return codes.create(
            purpose=purpose,
            channel=channel,
            target=target,
            user=user,
            payload=payload,
            message=message,
            client_ip=client_ip,
            ttl=int(ttl.total_seconds()),
        )
    except codes.VerificationFailed as refused:
        raise ProfileError("too_soon", refused.message) from refused
    except DeliveryRefused as refused:
        # Raised inside the act's transaction, so the verification row goes too.
        raise ProfileError("delivery_refused", refused.message) from refused


def _send_sms(*, to: str, template: str, context: Mapping[str, Any], client_ip: str | None) -> None:
    try:
        send_sms(to=to, template=template, context=context, client_ip=client_ip)
    except DeliveryRefused as refused:
        # Raised inside the act's transaction, so the verification row goes too.
        raise ProfileError("delivery_refused", refused.message) from refused


# --- acts -------------------------------------------------------------------------------------

PROFILE_FIELDS = (
    "last_name",
    "first_name",
    "patronymic",
    "last_name_latin",
    "first_name_latin",
    "gender",
    "birth_date",
)


@transaction.atomic
def update_profile(
    *,
    user: User,
    last_name: str,
    first_name: str,
    patronymic: str = "",
    last_name_latin: str = "",
    first_name_latin: str = "",
    gender: str = "",
    birth_date: dt.date | None = None,
) -> User:
    """Save the person's names, gender and date of birth (surname and name are required)."""
    values: dict[str, Any] = {
        "last_name": last_name.strip(),
        "first_name": first_name.strip(),
        "patronymic": patronymic.strip(),
        "last_name_latin": last_name_latin.strip(),
        "first_name_latin": first_name_latin.strip(),
        "gender": gender,
        "birth_date": birth_date,
    }
    for required in ("last_name", "first_name"):
        if not values[required]:
            raise ProfileError("required", _("Обязательное поле."), field=required)
    if gender not in User.Gender.values:
        raise ProfileError("invalid_gender", _("Выберите пол из списка."), field="gender")
    check_birth_date(birth_date)
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, values[name])
    if changed:
        user.save(update_fields=changed)
        record(actor=user, action=Action.PROFILE_UPDATED, obj=user, fields=changed)
    return user


@transaction.atomic
def set_language(*, user: User, language: str) -> User:
    """Keep the interface language the person chose (one of settings.LANGUAGES)."""
    if language not in dict(settings.LANGUAGES):
        raise ProfileError("invalid_language", _("Выберите язык из списка."), field="language")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
        record(actor=user, action=Action.PROFILE_UPDATED, obj=user, fields=["language"])
    return user


@transaction.atomic
def change_password(
    *,
    user: User,
    current_password: str,
    new_password: str,
    keep_token: ApiToken | None = None,
) -> None:
    """Set a new password after checking the current one and the password policy.

    Other web sessions end by themselves (Django's session hash follows the password; the
    caller keeps its own with update_session_auth_hash) and API tokens are revoked except
    ``keep_token``, the one the request came with.
    """
    check_current_password(user, current_password)
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as error:
        raise ProfileError(
            "weak_password", " ".join(error.messages), field="new_password"
        ) from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoked = tokens.revoke_all_tokens(user=user, keep=keep_token)
    record(actor=user, action=Action.PASSWORD_CHANGED, obj=user, tokens_revoked=revoked)


@transaction.atomic
def start_phone_change(
    *, user: User, current_password: str, new_phone: str, client_ip: str | None = None
) -> Verification:
    """Send a code to the new number; the number changes once the code comes back.

    A number that belongs to someone else goes through the same steps from the caller's side
    (the same answer, a pending code), but its owner gets a warning instead of a code and no
    code ever confirms it, so the page cannot be used to find out whose number it is.
    """
    check_current_password(user, current_password)
    return _start_phone_code(user=user, new_phone=new_phone, client_ip=client_ip, first=False)


@transaction.atomic
def start_phone_addition(
    *, user: User, new_phone: str, client_ip: str | None = None
) -> Verification:
    """Seed 003's first login: a customer without a confirmed phone gives one, no password
    asked (there is no number to take over yet). The same code step as a change."""
    if user.phone_confirmed_at is not None:
        raise ProfileError("has_phone", _("Телефон уже подтверждён."), field="phone")
    return _start_phone_code(user=user, new_phone=new_phone, client_ip=client_ip, first=True)


def _start_phone_code(
    *, user: User, new_phone: str, client_ip: str | None, first: bool
) -> Verification:
    phone = normalise_phone(new_phone)
    if phone == user.phone and user.phone_confirmed_at is not None:
        raise ProfileError("same_phone", _("Это ваш текущий номер."), field="phone")
    taken = User.objects.filter(phone=phone).exclude(pk=user.pk).exists()
    minutes = int(PHONE_CODE_TTL.total_seconds() // 60)
    verification = _issue(
        user=user,
        purpose=Verification.Purpose.CHANGE_PHONE,
        channel=Verification.Channel.SMS,
        target=phone,
        ttl=PHONE_CODE_TTL,
        message=None if taken else codes.Message("profile_phone_code", {"minutes": minutes}),
        payload={"taken": taken, "first": first},
        client_ip=client_ip,
    )
    if taken:
        _send_sms(to=phone, template="profile_phone_taken", context={}, client_ip=client_ip)
    record(actor=user, action=Action.PHONE_CHANGE_STARTED, obj=user, verification=verification.pk)
    return verification


def _live_phone_codes(user: User) -> models.QuerySet[Verification]:
    """The person's unused, unexpired phone-change codes, newest first."""
    return Verification.objects.filter(
        user=user,
        purpose=Verification.Purpose.CHANGE_PHONE,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).order_by("-created_at")


def pending_phone_change(user: User) -> Verification | None:
    """The code the person is expected to type, if any is still alive."""
    return _live_phone_codes(user).first()


def confirm_phone_change(*, user: User, code: str) -> User:
    """Check the code and move the account to the new number.

    A wrong code counts as an attempt (kept even though the act fails, hence no outer
    transaction around the counter); after PHONE_CODE_MAX_ATTEMPTS the code is dead.
    """
    with transaction.atomic():
        verification = _live_phone_codes(user).select_for_update().first()
        if verification is None:
            raise ProfileError(
                "wrong_code", _("Неверный или устаревший код. Запросите новый."), field="code"
            )
        # A wrong try is counted and saved by consume_code; the refusal is raised only after
        # this transaction commits, so the count sticks.
        refusal = codes.consume_code(verification, code)
        wrong = refusal is not None
    if wrong:
        raise ProfileError("wrong_code", refusal or "", field="code")
    with transaction.atomic():
        now = timezone.now()
        Verification.objects.filter(pk=verification.pk).update(used_at=now)
        # The person has just proven they hold this number, so saying it is taken leaks nothing.
        if User.objects.filter(phone=verification.target).exclude(pk=user.pk).exists():
            raise ProfileError(
                "phone_taken", _("Этот номер уже привязан к другому пользователю."), field="code"
            )
        user.phone = verification.target
        user.phone_confirmed_at = now
        user.save(update_fields=["phone", "phone_confirmed_at"])
        record(actor=user, action=Action.PHONE_CHANGED, obj=user)
    return user


def _start_email_link(*, user: User, address: str, kind: str, taken: bool = False) -> Verification:
    hours = int(EMAIL_LINK_TTL.total_seconds() // 3600)
    message = codes.Message(
        "profile_email_confirm",
        {
            "link_url_name": "profile:email-confirm",
            "hours": hours,
            "change": kind == "change",
            "registration": kind == "registration",
        },
    )
    verification = _issue(
        user=user,
        purpose=Verification.Purpose.CONFIRM_EMAIL,
        channel=Verification.Channel.EMAIL,
        target=address,
        ttl=EMAIL_LINK_TTL,
        message=None if taken else message,
        payload={"kind": kind, "taken": taken},
    )
    if taken:
        send_email(to=address, template="profile_email_taken", context={})
    return verification


@transaction.atomic
def start_email_change(*, user: User, current_password: str, new_email: str) -> Verification:
    """Send a confirmation link (valid EMAIL_LINK_TTL) to the new address.

    As with phones, an address already in use gets a warning instead of a link and the caller
    sees the same answer.
    """
    check_current_password(user, current_password)
    address = normalise_email(new_email)
    if address == user.email:
        raise ProfileError("same_email", _("Это ваш текущий адрес."), field="email")
    taken = User.objects.filter(email=address).exclude(pk=user.pk).exists()
    verification = _start_email_link(user=user, address=address, kind="change", taken=taken)
    record(actor=user, action=Action.EMAIL_CHANGE_STARTED, obj=user, verification=verification.pk)
    return verification


def offer_email_at_registration(*, user: User, address: str) -> Verification:
    """Seed 004: the e-mail a customer gives while registering by phone. It becomes theirs when
    they follow the link (valid EMAIL_LINK_TTL, 60 hours as the seed says); until then they log
    in by phone only. An address another login has gets that login a warning instead, and the
    new customer sees the same page either way, so registration cannot probe addresses."""
    taken = User.objects.filter(email=address).exists()
    verification = _start_email_link(user=user, address=address, kind="registration", taken=taken)
    record(actor=user, action=Action.EMAIL_CHANGE_STARTED, obj=user, verification=verification.pk)
    return verification


@transaction.atomic
def start_email_confirmation(*, user: User) -> Verification:
    """«Подтвердить e-mail»: send a link to the address the person already has."""
    if not user.email:
        raise ProfileError("no_email", _("Адрес электронной почты не указан."))
    if user.email_confirmed_at is not None:
        raise ProfileError("already_confirmed", _("Адрес уже подтверждён."))
    verification = _start_email_link(user=user, address=user.email, kind="confirm")
    record(
        actor=user, action=Action.EMAIL_CONFIRMATION_STARTED, obj=user, verification=verification.pk
    )
    return verification


def _pending_email_link(token: str) -> Verification | None:
    verification = codes.find_by_link(
        purpose=Verification.Purpose.CONFIRM_EMAIL, token=token, for_update=True
    )
    return verification if verification is not None and verification.user_id else None


def email_link_is_valid(token: str) -> bool:
    with transaction.atomic():
        return _pending_email_link(token) is not None


@transaction.atomic
def confirm_email_change(*, token: str) -> User:
    """Follow the link: the address it was sent to becomes the person's confirmed e-mail.

    The link itself is the proof, so it works without logging in (people open mail on
    another device). Raises ProfileError(code="invalid_link") when it is unknown, used or
    expired, or when the address has meanwhile gone to someone else.
    """
    verification = _pending_email_link(token)
    invalid = ProfileError(
        "invalid_link", _("Ссылка недействительна или устарела. Запросите новую в профиле.")
    )
    if verification is None or verification.user is None or verification.payload.get("taken"):
        raise invalid
    user = verification.user
    now = timezone.now()
    verification.used_at = now
    verification.save(update_fields=["used_at"])
    if User.objects.filter(email=verification.target).exclude(pk=user.pk).exists():
        raise invalid
    changed = user.email != verification.target
    user.email = verification.target
    user.email_confirmed_at = now
    user.save(update_fields=["email", "email_confirmed_at"])
    record(actor=user, action=Action.EMAIL_CHANGED if changed else Action.EMAIL_CONFIRMED, obj=user)
    return user
