"""Login by phone or e-mail and password, and how a typed identifier is understood."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from kabinet.identity.models import User


@dataclass(frozen=True)
class Identifier:
    """A login identifier: ``kind`` is "phone" (E.164) or "email" (lower-case)."""

    kind: str
    value: str


def normalize_phone(raw: str) -> str | None:
    """E.164 for a valid number typed any usual way (8 916…, +7 (916)…, 916…), else None."""
    try:
        number = phonenumbers.parse(raw.strip(), "RU")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_identifier(raw: str) -> Identifier | None:
    """Phone or e-mail from the «Телефон или E-mail» field; None when it is neither."""
    raw = (raw or "").strip()
    if "@" in raw:
        local, _, domain = raw.rpartition("@")
        if local and "." in domain and " " not in raw and len(raw) <= 254:
            return Identifier("email", raw.lower())
        return None
    phone = normalize_phone(raw)
    return Identifier("phone", phone) if phone else None


def find_user(identifier: Identifier) -> User | None:
    """The active user with this phone or e-mail, or None."""
    field = "phone" if identifier.kind == "phone" else "email"
    return User.objects.filter(**{field: identifier.value}, is_active=True).first()


class PhoneOrEmailBackend(ModelBackend):
    """Authenticates ``username`` given as a phone or an e-mail; staff usernames fall through.

    For an unknown identifier it still hashes the password once, so a wrong identifier takes as
    long as a wrong password and timing does not tell which accounts exist.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        identifier = parse_identifier(username)
        if identifier is None:
            return None
        user = find_user(identifier)
        if user is None:
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
