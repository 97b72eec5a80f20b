"""Password policy beyond Django's validators: which kinds of characters a password needs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """Requires capital and small Latin letters and a digit (each switchable in settings).

    The rule customers know from utility portals: «Пароль должен содержать не менее 8 знаков,
    включая и цифры, и большие, и маленькие буквы латинского алфавита». The length is
    MinimumLengthValidator's job. Only Latin letters count, as the rule says: a Cyrillic password
    is allowed but does not satisfy the rule alone.
    """

    def __init__(
        self, require_upper: bool = True, require_lower: bool = True, require_digit: bool = True
    ) -> None:
        self.require_upper = require_upper
        self.require_lower = require_lower
        self.require_digit = require_digit

    def validate(self, password: str, user: Any = None) -> None:
        missing = (
            (self.require_upper and not any("A" <= c <= "Z" for c in password))
            or (self.require_lower and not any("a" <= c <= "z" for c in password))
            or (self.require_digit and not any(c.isdigit() for c in password))
        )
        if missing:
            raise ValidationError(self.get_help_text(), code="password_character_classes")

    def get_help_text(self) -> str:
        if self.require_upper and self.require_lower and self.require_digit:
            # The seed's own wording, which customers know from other portals.
            return _(
                "Пароль должен содержать и цифры, и большие, и маленькие буквы латинского алфавита."
            )
        parts = []
        if self.require_digit:
            parts.append(_("цифры"))
        if self.require_upper:
            parts.append(_("большие буквы латинского алфавита"))
        if self.require_lower:
            parts.append(_("маленькие буквы латинского алфавита"))
        if not parts:
            return ""
        return _("Пароль должен содержать: %(parts)s.") % {"parts": ", ".join(parts)}
