"""Customer API: login with a token, and the profile (the same services as the web pages)."""

from __future__ import annotations

from django.contrib.auth import logout, update_session_auth_hash
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from kabinet.api.auth import request_token, request_user
from kabinet.api.errors import ApiError
from kabinet.api.schemas import (
    DeleteIn,
    DeviceOut,
    DevicesRevokedOut,
    Error,
    LoginIn,
    Ok,
    PasswordChangeIn,
    PersonalData,
    ProfileOut,
    ProfilePatch,
    TokenOut,
)
from kabinet.core.audit import Action, record
from kabinet.core.http import client_ip
from kabinet.identity import captcha
from kabinet.identity.models import User
from kabinet.identity.services import personal_data, profile, tokens
from kabinet.identity.services.login import log_in
from kabinet.identity.services.tokens import issue_token

auth_router = Router(tags=["auth"])
profile_router = Router(tags=["profile"])

ERRORS = {400: Error, 401: Error, 403: Error, 422: Error, 429: Error}


@auth_router.post(
    "/login",
    auth=None,
    response={200: TokenOut, **ERRORS},
    summary="Вход по телефону или e-mail; выдаёт токен",
)
def login(request: HttpRequest, payload: LoginIn) -> TokenOut:
    # The web login's service: the same throttling, the same audit, and one answer for an
    # unknown identifier and a wrong password (the backend hashes the password either way,
    # so the timing does not tell who has an account either).
    # A refusal is a ServiceError (invalid_credentials, throttled) that the API's handler sends.
    user = log_in(
        request=request,
        identifier=payload.identifier,
        password=payload.password,
        client_ip=client_ip(request),
        hard_captcha=bool(payload.altcha) and captcha.payload_level(payload.altcha) == captcha.HARD,
    )
    if user.is_staff:
        # Staff work in the back office; a token would outlive their session rules there.
        raise ApiError("invalid_credentials", _("Неверный телефон, e-mail или пароль."))
    with transaction.atomic():
        token, key = issue_token(user=user, label=payload.device)
        record(actor=user, action=Action.API_TOKEN_ISSUED, obj=token)
    return TokenOut(token=key)


@auth_router.post("/logout", response={200: Ok, **ERRORS}, summary="Выход: отзывает токен")
def api_logout(request: HttpRequest) -> Ok:
    token = request_token(request)
    if token is not None:
        token.delete()
    else:
        logout(request)
    return Ok()


def _profile_out(user: User) -> ProfileOut:
    return ProfileOut(
        id=user.pk,
        last_name=user.last_name,
        first_name=user.first_name,
        patronymic=user.patronymic,
        last_name_latin=user.last_name_latin,
        first_name_latin=user.first_name_latin,
        gender=user.gender,
        birth_date=user.birth_date,
        phone=user.phone,
        phone_confirmed=user.phone_confirmed_at is not None,
        email=user.email,
        email_confirmed=user.email_confirmed_at is not None,
    )


@profile_router.get("", response={200: ProfileOut, **ERRORS}, summary="Профиль")
def get_profile(request: HttpRequest) -> ProfileOut:
    return _profile_out(request_user(request))


@profile_router.patch("", response={200: ProfileOut, **ERRORS}, summary="Изменить личные данные")
def patch_profile(request: HttpRequest, payload: ProfilePatch) -> ProfileOut:
    user = request_user(request)
    values = {name: getattr(user, name) for name in profile.PROFILE_FIELDS}
    values.update(payload.dict(exclude_unset=True))
    # null means "clear" for the optional text fields; required ones are checked by the service.
    for name in ("patronymic", "last_name_latin", "first_name_latin", "gender"):
        values[name] = values[name] or ""
    for name in ("last_name", "first_name"):
        values[name] = values[name] or ""
    user = profile.update_profile(user=user, **values)
    return _profile_out(user)


@profile_router.post(
    "/password", response={200: Ok, **ERRORS}, summary="Сменить пароль (другие входы завершатся)"
)
def post_password(request: HttpRequest, payload: PasswordChangeIn) -> Ok:
    user = request_user(request)
    profile.change_password(
        user=user,
        current_password=payload.current_password,
        new_password=payload.new_password,
        keep_token=request_token(request),
    )
    if request_token(request) is None and request.user.is_authenticated:
        # Called through the web session: keep that session, as the profile page does.
        update_session_auth_hash(request, user)
    return Ok()


@profile_router.get(
    "/devices",
    response={200: list[DeviceOut], **ERRORS},
    summary="Устройства, где выполнен вход (токены API)",
    description=(
        "Токены пользователя, которые ещё действуют, последние использованные первыми. "
        "Токен истекает через API_TOKEN_TTL_DAYS (по умолчанию 30) дней после последнего "
        "использования; каждый запрос с ним продлевает срок."
    ),
)
def get_devices(request: HttpRequest) -> list[DeviceOut]:
    current = request_token(request)
    return [
        DeviceOut(
            id=token.pk,
            device=token.label,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            expires_at=token.expires_at,
            current=current is not None and token.pk == current.pk,
        )
        for token in tokens.live_tokens(request_user(request))
    ]


@profile_router.delete(
    "/devices/{token_id}",
    response={200: Ok, 404: Error, **ERRORS},
    summary="Завершить вход на устройстве (отозвать токен)",
    description="404 not_found — для чужого и несуществующего токена одинаково.",
)
def delete_device(request: HttpRequest, token_id: int) -> Ok:
    tokens.revoke_token(user=request_user(request), token_id=token_id)
    return Ok()


@profile_router.delete(
    "/devices",
    response={200: DevicesRevokedOut, **ERRORS},
    summary="Завершить вход на всех других устройствах",
    description="Отзывает все токены пользователя, кроме того, с которым пришёл запрос.",
)
def delete_devices(request: HttpRequest) -> DevicesRevokedOut:
    revoked = tokens.log_out_devices(user=request_user(request), keep=request_token(request))
    return DevicesRevokedOut(revoked=revoked)


@profile_router.get(
    "/personal-data",
    response={200: PersonalData, **ERRORS},
    summary="Все мои персональные данные (152-ФЗ)",
)
def get_personal_data(request: HttpRequest) -> PersonalData:
    return personal_data.export_personal_data(user=request_user(request))


@profile_router.delete(
    "", response={200: Ok, **ERRORS}, summary="Удалить учётную запись и персональные данные"
)
def delete_profile(request: HttpRequest, payload: DeleteIn) -> Ok:
    personal_data.delete_user(
        user=request_user(request),
        current_password=payload.current_password,
        confirmed=payload.confirm,
    )
    if request_token(request) is None:
        logout(request)
    return Ok()
