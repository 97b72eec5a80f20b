"""Customer API: registration by phone or e-mail and password recovery.

Thin wrappers over the web pages' forms (the same captcha, consents, phone normalisation and
password policy) and services. The web flow keeps the pending registration in the session; an
app has none, so it gets a *handle*: the verification id signed with SECRET_KEY. A bare id would
let anyone who guesses it finish somebody else's proven registration and choose its password.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from kabinet.api.errors import ApiError
from kabinet.api.schemas import Error, Ok, TokenOut
from kabinet.core.http import client_ip
from kabinet.identity import captcha
from kabinet.identity.forms import (
    CodeForm,
    EmailRegistrationForm,
    NewPasswordForm,
    PhonePasswordForm,
    PhoneRegistrationForm,
    RecoveryCodeForm,
    RecoveryForm,
)
from kabinet.identity.services import recovery, registration
from kabinet.identity.services.tokens import issue_token
from kabinet.identity.services.verification import VerificationFailed
from kabinet.messaging.services import DeliveryRefused

router = Router(tags=["registration"], auth=None)

ERRORS = {400: Error, 422: Error, 429: Error}
HANDLE_SALT = {"register": "kabinet.api.register", "recover": "kabinet.api.recover"}
# A handle outlives no verification: codes live 10 minutes, a proven phone 30.
HANDLE_MAX_AGE = 3600


class CaptchaOut(Schema):
    """The ALTCHA challenge as the widget receives it; solve it and send the base64 JSON back."""

    algorithm: str
    challenge: str
    max_number: int = Field(alias="maxNumber")
    salt: str
    signature: str


class PhoneRegistrationIn(Schema):
    phone: str = Field(max_length=32, examples=["+7 916 123-45-67"])
    altcha: str = Field(description="Решённая задача из GET /auth/captcha (base64 JSON)")
    consent_personal_data: bool
    consent_user_agreement: bool
    consent_marketing: bool = False


class HandleOut(Schema):
    handle: str = Field(description="Передавайте в следующий шаг; действует до часа")


class CodeIn(Schema):
    handle: str
    code: str = Field(max_length=12)


class HandleIn(Schema):
    handle: str


class PhoneCompletionIn(Schema):
    handle: str
    password1: str = Field(max_length=4096)
    password2: str = Field(max_length=4096)
    last_name: str = Field(max_length=150)
    first_name: str = Field(max_length=150)
    patronymic: str = Field("", max_length=150)
    birth_date: str = Field("", description="ГГГГ-ММ-ДД или ДД.ММ.ГГГГ")
    gender: str = Field("", description="male, female или пусто")
    email: str = Field(
        "", max_length=254, description="Необязательно: станет адресом входа после подтверждения"
    )
    device: str = Field("", max_length=100)


class EmailRegistrationIn(Schema):
    email: str = Field(max_length=254)
    password1: str = Field(max_length=4096)
    password2: str = Field(max_length=4096)
    altcha: str
    consent_personal_data: bool
    consent_user_agreement: bool
    consent_marketing: bool = False


class EmailLinkIn(Schema):
    token: str = Field(description="Ключ из ссылки в письме", max_length=200)
    device: str = Field("", max_length=100)


class RecoveryIn(Schema):
    identifier: str = Field(description="Телефон или e-mail", max_length=254)
    altcha: str


class RecoveryOut(Schema):
    handle: str
    channel: str = Field(description="sms — введите код; email — перейдите по ссылке из письма")


class RecoveryCodeIn(Schema):
    handle: str
    code: str = Field(max_length=12)
    password1: str = Field(max_length=4096)
    password2: str = Field(max_length=4096)


class RecoveryLinkIn(Schema):
    token: str = Field(max_length=200)
    password1: str = Field(max_length=4096)
    password2: str = Field(max_length=4096)


def _clean(form: forms.Form) -> dict[str, Any]:
    """Run a web form; its field errors become the API's 422 with the same Russian messages."""
    if form.is_valid():
        return form.cleaned_data
    fields = {name: [str(m) for m in errors] for name, errors in form.errors.items()}
    raise ApiError("validation_error", _("Проверьте введённые данные."), fields)


def _data(payload: Schema) -> dict[str, Any]:
    # Django forms read checkboxes as present/absent and everything else as text.
    return {k: v for k, v in payload.dict().items() if v is not False and v is not None}


def _handle(kind: str, verification_id: int) -> str:
    return signing.dumps(verification_id, salt=HANDLE_SALT[kind])


def _verification_id(kind: str, handle: str) -> int:
    try:
        return int(signing.loads(handle, salt=HANDLE_SALT[kind], max_age=HANDLE_MAX_AGE))
    except (signing.BadSignature, TypeError, ValueError):
        raise ApiError(
            "invalid_handle", _("Срок действия истёк. Начните заново."), {"handle": []}
        ) from None


def _refused(error: VerificationFailed | DeliveryRefused) -> ApiError:
    if isinstance(error, DeliveryRefused) and error.harder_captcha_helps:
        # Past a cap strangers can use up: a hard captcha instead of a refusal.
        message = _(
            "Сейчас очень много запросов. Пройдите усиленную проверку «Я не робот» "
            "и отправьте форму ещё раз."
        )
        return ApiError("captcha_required", message, field="altcha")
    return ApiError("refused", error.message)


def _hard(data: dict[str, Any]) -> bool:
    return data.get("altcha") == captcha.HARD


@router.get("/captcha", response=CaptchaOut, by_alias=True, summary="Задача «Я не робот» (ALTCHA)")
def captcha_challenge(request: HttpRequest, level: str = "") -> dict[str, Any]:
    """``level=hard``: the harder challenge asked after a ``captcha_required`` answer."""
    return captcha.challenge_json(hard=level == "hard")


@router.post(
    "/register/phone",
    response={202: HandleOut, **ERRORS},
    summary="Регистрация по телефону: отправить код по SMS",
)
def register_phone(request: HttpRequest, payload: PhoneRegistrationIn) -> Status[HandleOut]:
    form = PhoneRegistrationForm(_data(payload))
    data = _clean(form)
    try:
        verification = registration.start_phone_registration(
            phone=data["phone"],
            consents=form.accepted_consents(),
            client_ip=client_ip(request),
            hard_captcha=_hard(data),
        )
    except (VerificationFailed, DeliveryRefused) as error:
        raise _refused(error) from None
    return Status(202, HandleOut(handle=_handle("register", verification.pk)))


@router.post(
    "/register/phone/confirm",
    response={200: HandleOut, **ERRORS},
    summary="Регистрация по телефону: проверить код из SMS",
)
def register_phone_confirm(request: HttpRequest, payload: CodeIn) -> HandleOut:
    verification_id = _verification_id("register", payload.handle)
    data = _clean(CodeForm({"code": payload.code}))
    try:
        registration.confirm_phone(verification_id=verification_id, code=data["code"])
    except VerificationFailed as error:
        raise ApiError("invalid_code", error.message, field="code") from None
    return HandleOut(handle=payload.handle)


@router.post(
    "/register/phone/complete",
    response={201: TokenOut, **ERRORS},
    summary="Регистрация по телефону: пароль и личные данные; выдаёт токен",
)
def register_phone_complete(request: HttpRequest, payload: PhoneCompletionIn) -> Status[TokenOut]:
    verification_id = _verification_id("register", payload.handle)
    if registration.proven_phone_registration(verification_id) is None:
        raise ApiError("not_confirmed", _("Срок регистрации истёк. Начните заново."))
    form = PhonePasswordForm(_data(payload))
    data = _clean(form)
    user = registration.complete_phone_registration(
        verification_id=verification_id,
        password=data["password1"],
        details=form.personal_details(),
        client_ip=client_ip(request),
        email=data["email"],
    )
    _token, key = issue_token(user=user, label=payload.device)
    return Status(201, TokenOut(token=key))


@router.post(
    "/register/email",
    response={202: Ok, **ERRORS},
    summary="Регистрация по e-mail: отправить письмо со ссылкой",
)
def register_email(request: HttpRequest, payload: EmailRegistrationIn) -> Status[Ok]:
    form = EmailRegistrationForm(_data(payload))
    data = _clean(form)
    try:
        registration.start_email_registration(
            email=data["email"],
            password=data["password1"],
            consents=form.accepted_consents(),
            client_ip=client_ip(request),
        )
    except (VerificationFailed, DeliveryRefused) as error:
        raise _refused(error) from None
    # The same answer whether or not the address has an account (the letter says which).
    return Status(202, Ok())


@router.post(
    "/register/email/confirm",
    response={201: TokenOut, **ERRORS},
    summary="Регистрация по e-mail: подтвердить ссылку из письма; выдаёт токен",
)
def register_email_confirm(request: HttpRequest, payload: EmailLinkIn) -> Status[TokenOut]:
    try:
        user = registration.confirm_email_registration(
            token=payload.token, client_ip=client_ip(request)
        )
    except registration.RegistrationFailed as error:
        raise ApiError("invalid_link", error.message) from None
    _token, key = issue_token(user=user, label=payload.device)
    return Status(201, TokenOut(token=key))


@router.post(
    "/register/resend",
    response={200: Ok, **ERRORS},
    summary="«Выслать код повторно» / «Повторить отправку письма»",
)
def register_resend(request: HttpRequest, payload: HandleIn) -> Ok:
    verification_id = _verification_id("register", payload.handle)
    try:
        registration.resend_registration(
            verification_id=verification_id, client_ip=client_ip(request)
        )
    except (VerificationFailed, DeliveryRefused) as error:
        raise _refused(error) from None
    return Ok()


@router.post(
    "/recover",
    response={202: RecoveryOut, **ERRORS},
    summary="Восстановление пароля: код по SMS или ссылка на e-mail",
)
def recover(request: HttpRequest, payload: RecoveryIn) -> Status[RecoveryOut]:
    data = _clean(RecoveryForm(_data(payload)))
    identifier = data["identifier"]
    try:
        verification = recovery.start_recovery(
            identifier=identifier, client_ip=client_ip(request), hard_captcha=_hard(data)
        )
    except (VerificationFailed, DeliveryRefused) as error:
        raise _refused(error) from None
    # Known or not, the answer is the same; only the real owner receives a code or a letter.
    channel = "sms" if identifier.kind == "phone" else "email"
    return Status(202, RecoveryOut(handle=_handle("recover", verification.pk), channel=channel))


@router.post(
    "/recover/confirm",
    response={200: Ok, **ERRORS},
    summary="Восстановление по коду из SMS: новый пароль",
)
def recover_confirm(request: HttpRequest, payload: RecoveryCodeIn) -> Ok:
    verification_id = _verification_id("recover", payload.handle)
    data = _clean(RecoveryCodeForm(_data(payload)))
    try:
        recovery.recover_by_code(
            verification_id=verification_id,
            code=data["code"],
            password=data["password1"],
            client_ip=client_ip(request),
        )
    except VerificationFailed as error:
        raise ApiError("invalid_code", error.message, field="code") from None
    except ValidationError as error:
        raise ApiError(
            "validation_error", error.messages[0], {"password1": error.messages}
        ) from None
    return Ok()


@router.post(
    "/recover/link",
    response={200: Ok, **ERRORS},
    summary="Восстановление по ссылке из письма: новый пароль",
)
def recover_link(request: HttpRequest, payload: RecoveryLinkIn) -> Ok:
    data = _clean(NewPasswordForm(_data(payload)))
    try:
        recovery.recover_by_link(
            token=payload.token, password=data["password1"], client_ip=client_ip(request)
        )
    except ValidationError as error:
        raise ApiError(
            "validation_error", error.messages[0], {"password1": error.messages}
        ) from None
    return Ok()
