"""Request and response bodies of the customer API."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from ninja import Schema
from pydantic import Field

S = TypeVar("S", bound=Schema)


def out(schema: type[S], source: object, **values: Any) -> S:
    """A response body read off ``source``: every field of ``schema`` that ``values`` does not
    give is the attribute of ``source`` with the same name."""
    copied = {name: getattr(source, name) for name in schema.model_fields if name not in values}
    return schema(**copied, **values)


class Error(Schema):
    """Every 4xx: a stable machine code, a Russian message, and per-field messages."""

    code: str = Field(examples=["validation_error"])
    message: str
    fields: dict[str, list[str]] = Field(default_factory=dict)


class LoginIn(Schema):
    identifier: str = Field(description="Телефон или e-mail", max_length=254)
    password: str = Field(max_length=4096)
    device: str = Field("", description="Название устройства", max_length=100)
    altcha: str = Field(
        "",
        description="Решённая задача GET /auth/captcha?level=hard; нужна только после ответа "
        "captcha_required (на этот вход было много неудачных попыток)",
        max_length=2000,
    )


class TokenOut(Schema):
    token: str = Field(
        description="Ключ для заголовка Authorization: Bearer; показывается один раз"
    )
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret


class Ok(Schema):
    ok: bool = True


class DeviceOut(Schema):
    """A device (mobile app) logged in with an API token; the key itself is never shown again."""

    id: int
    device: str = Field(description="Название устройства, переданное при входе")
    created_at: dt.datetime = Field(description="Когда выполнен вход")
    last_used_at: dt.datetime | None = Field(description="Последний запрос (с точностью до 5 мин)")
    expires_at: dt.datetime = Field(
        description="Когда вход истечёт, если устройство не будет использоваться"
    )
    current: bool = Field(description="Этот запрос пришёл с этим токеном")


class DevicesRevokedOut(Schema):
    revoked: int = Field(description="Сколько входов завершено")


class ProfileOut(Schema):
    id: int
    last_name: str
    first_name: str
    patronymic: str
    last_name_latin: str
    first_name_latin: str
    gender: str
    birth_date: dt.date | None
    phone: str | None
    phone_confirmed: bool
    email: str | None
    email_confirmed: bool


class ProfilePatch(Schema):
    last_name: str | None = Field(None, max_length=150)
    first_name: str | None = Field(None, max_length=150)
    patronymic: str | None = Field(None, max_length=150)
    last_name_latin: str | None = Field(None, max_length=150)
    first_name_latin: str | None = Field(None, max_length=150)
    gender: str | None = Field(None, max_length=8)
    birth_date: dt.date | None = None


class PasswordChangeIn(Schema):
    current_password: str = Field(max_length=4096)
    new_password: str = Field(max_length=4096)


class DeleteIn(Schema):
    current_password: str = Field(max_length=4096)
    confirm: bool = Field(description="Явное согласие на удаление учётной записи")


PersonalData = dict[str, Any]
