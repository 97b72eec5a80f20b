"""Pages of registration, login, logout and recovery: thin wrappers around the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import phonenumbers
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kabinet.core.forms import add_service_error
from kabinet.core.http import client_ip
from kabinet.identity import captcha
from kabinet.identity.forms import (
    CodeForm,
    EmailRegistrationForm,
    LoginForm,
    NewPasswordForm,
    PersonalDetailsForm,
    PhonePasswordForm,
    PhoneRegistrationForm,
    RecoveryCodeForm,
    RecoveryForm,
    ask_for_hard_captcha,
    solved_hard_captcha,
)
from kabinet.identity.models import Consent, User, Verification
from kabinet.identity.services import login as login_service
from kabinet.identity.services import profile, recovery, registration
from kabinet.identity.services.consents import consent_text
from kabinet.identity.services.profile import ProfileError
from kabinet.identity.services.verification import VerificationFailed, cooldown_left
from kabinet.messaging.services import DeliveryRefused

REGISTER_KEY = "identity.register"
RECOVER_KEY = "identity.recover"
BACKEND = "kabinet.identity.backends.PhoneOrEmailBackend"

GET_POST = require_http_methods(["GET", "POST"])


def _pending(request: HttpRequest, key: str) -> Verification | None:
    pk = request.session.get(key)
    return Verification.objects.filter(pk=pk).first() if pk else None


def _display_phone(e164: str) -> str:
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _start_session(request: HttpRequest, user: User, *, remember: bool) -> None:
    login(request, user, backend=BACKEND)
    # «Запомнить»: a cookie for SESSION_COOKIE_AGE; otherwise it ends with the browser.
    request.session.set_expiry(settings.SESSION_COOKIE_AGE if remember else 0)


def _form_page(
    request: HttpRequest, template: str, form: Any, context: dict[str, Any] | None = None
) -> HttpResponse:
    """A page with a form; 400 when a posted form was refused, so the refusal is not a success."""
    return render(
        request, template, {"form": form, **(context or {})}, status=400 if form.errors else 200
    )


def _start_registration(
    request: HttpRequest, form: Any, start: Callable[[], Verification], template: str, then: str
) -> HttpResponse:
    """The first step of a registration: the pending verification is kept in the session."""
    if request.method == "POST" and form.is_valid():
        try:
            verification = start()
        except DeliveryRefused as error:
            _refused(form, error)
        except VerificationFailed as error:
            add_service_error(form, error)
        else:
            request.session[REGISTER_KEY] = verification.pk
            return redirect(then)
    return _form_page(request, template, form)


def _refused(form: Any, error: DeliveryRefused) -> None:
    """A refusal to send; past a cap strangers can use up, a harder captcha instead."""
    if error.harder_captcha_helps:
        ask_for_hard_captcha(form, str(HARD_CAPTCHA_MESSAGE))
    else:
        add_service_error(form, error)


HARD_CAPTCHA_MESSAGE = gettext_lazy(
    "Сейчас очень много запросов. Пройдите усиленную проверку «Я не робот» "
    "и отправьте форму ещё раз."
)


def _registered(request: HttpRequest, user: User) -> HttpResponse:
    request.session.pop(REGISTER_KEY, None)
    _start_session(request, user, remember=False)
    messages.success(request, _("Вы успешно зарегистрировались"))
    return redirect(settings.LOGIN_REDIRECT_URL)


def _resend(
    request: HttpRequest,
    key: str,
    resend: Callable[..., object],
    *,
    start: str,
    code_page: str,
    sent_page: str,
) -> HttpResponse:
    """Send the pending code or link of a registration or a recovery again."""
    pending = _pending(request, key)
    if pending is None:
        return redirect(start)
    by_sms = pending.channel == Verification.Channel.SMS
    try:
        resend(verification_id=pending.pk, client_ip=client_ip(request))
    except (VerificationFailed, DeliveryRefused) as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Новый код отправлен.") if by_sms else _("Письмо отправлено повторно.")
        )
    return redirect(code_page if by_sms else sent_page)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return str(settings.LOGIN_REDIRECT_URL)


# --- captcha and documents ---------------------------------------------------------------


@never_cache
@require_GET
def captcha_challenge(request: HttpRequest) -> JsonResponse:
    return JsonResponse(captcha.challenge_json(hard=request.GET.get("level") == "hard"))


DOCUMENTS = {
    "personal-data": (
        "identity/documents/personal_data.html",
        "PERSONAL_DATA_CONSENT_VERSION",
        gettext_lazy("Согласие на обработку персональных данных"),
    ),
    "user-agreement": (
        "identity/documents/user_agreement.html",
        "USER_AGREEMENT_VERSION",
        gettext_lazy("Пользовательское соглашение"),
    ),
    "marketing": (
        "identity/documents/marketing.html",
        "MARKETING_CONSENT_VERSION",
        gettext_lazy("Согласие на получение рекламно-информационных рассылок"),
    ),
}


DOCUMENT_KINDS = {
    "personal-data": Consent.Kind.PERSONAL_DATA,
    "user-agreement": Consent.Kind.USER_AGREEMENT,
    "marketing": Consent.Kind.MARKETING,
}


@require_GET
def document(request: HttpRequest, name: str) -> HttpResponse:
    if name not in DOCUMENTS:
        raise Http404
    template, version_setting, title = DOCUMENTS[name]
    current = getattr(settings, version_setting)
    # An older version stays readable by its number: people agreed to it.
    version = request.GET.get("version", "")[:32] or current
    kept = consent_text(DOCUMENT_KINDS[name], version)
    if kept is None and version != current:
        raise Http404
    return render(
        request,
        template,
        {"version": version, "title": title, "kept": kept, "outdated": version != current},
    )


# --- login and logout --------------------------------------------------------------------


@never_cache
@GET_POST
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = login_service.log_in(
                request=request,
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
                client_ip=client_ip(request),
                hard_captcha=solved_hard_captcha(form),
            )
        except login_service.LoginChallenge as error:
            ask_for_hard_captcha(form, error.message)
        except login_service.LoginFailed as error:
            add_service_error(form, error)
        else:
            _start_session(request, user, remember=form.cleaned_data["remember"])
            return redirect(_next_url(request))
    return _form_page(request, "identity/login.html", form, {"next": request.GET.get("next", "")})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if isinstance(request.user, User):
        login_service.record_logout(user=request.user, client_ip=client_ip(request))
    # logout() flushes the session on the server, not just the cookie.
    logout(request)
    messages.info(request, _("Вы вышли из личного кабинета."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- registration by phone ---------------------------------------------------------------


@never_cache
@GET_POST
def register_phone(request: HttpRequest) -> HttpResponse:
    form = PhoneRegistrationForm(request.POST or None)
    return _start_registration(
        request,
        form,
        lambda: registration.start_phone_registration(
            phone=form.cleaned_data["phone"],
            consents=form.accepted_consents(),
            client_ip=client_ip(request),
            hard_captcha=solved_hard_captcha(form),
        ),
        "identity/register_phone.html",
        "identity:register_code",
    )


@never_cache
@GET_POST
def register_code(request: HttpRequest) -> HttpResponse:
    pending = _pending(request, REGISTER_KEY)
    if pending is None or pending.channel != Verification.Channel.SMS:
        return redirect("identity:register")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration.confirm_phone(verification_id=pending.pk, code=form.cleaned_data["code"])
        except VerificationFailed as error:
            form.add_error("code", error.message)
        else:
            return redirect("identity:register_password")
    return _form_page(
        request,
        "identity/register_code.html",
        form,
        {
            "phone": _display_phone(pending.target),
            "cooldown": cooldown_left(pending),
            "resend_url": "identity:register_resend",
        },
    )


@require_POST
def register_resend(request: HttpRequest) -> HttpResponse:
    return _resend(
        request,
        REGISTER_KEY,
        registration.resend_registration,
        start="identity:register",
        code_page="identity:register_code",
        sent_page="identity:register_email_sent",
    )


@never_cache
@GET_POST
def register_password(request: HttpRequest) -> HttpResponse:
    pk = request.session.get(REGISTER_KEY)
    pending = registration.proven_phone_registration(pk)
    if pending is None:
        messages.error(request, _("Срок регистрации истёк. Начните заново."))
        return redirect("identity:register")
    form = PhonePasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = registration.complete_phone_registration(
                verification_id=pending.pk,
                password=form.cleaned_data["password1"],
                details=form.personal_details(),
                client_ip=client_ip(request),
                email=form.cleaned_data["email"],
            )
        except registration.RegistrationFailed as error:
            add_service_error(form, error)
        else:
            response = _registered(request, user)
            if form.cleaned_data["email"]:
                messages.info(
                    request,
                    _("Дополнительно мы отправили письмо для подтверждения адреса e-mail."),
                )
            return response
    return _form_page(
        request,
        "identity/register_password.html",
        form,
        {"phone": _display_phone(pending.target)},
    )


# --- registration by e-mail --------------------------------------------------------------


@never_cache
@GET_POST
def register_email(request: HttpRequest) -> HttpResponse:
    form = EmailRegistrationForm(request.POST or None)
    return _start_registration(
        request,
        form,
        lambda: registration.start_email_registration(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            consents=form.accepted_consents(),
            client_ip=client_ip(request),
        ),
        "identity/register_email.html",
        "identity:register_email_sent",
    )


@never_cache
@require_GET
def register_email_sent(request: HttpRequest) -> HttpResponse:
    pending = _pending(request, REGISTER_KEY)
    if pending is None or pending.channel != Verification.Channel.EMAIL:
        return redirect("identity:register_email")
    return render(
        request,
        "identity/register_email_sent.html",
        {
            "email": pending.target,
            "hours": settings.VERIFICATION_LINK_TTL // 3600,
            "cooldown": cooldown_left(pending),
        },
    )


@never_cache
@GET_POST
def register_email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    # Following the link only shows a button: mail scanners open links in letters, and a GET
    # that created the account would spend the link in the scanner's session.
    if request.method == "POST":
        try:
            user = registration.confirm_email_registration(
                token=token, client_ip=client_ip(request)
            )
        except registration.RegistrationFailed as error:
            return render(
                request, "identity/link_invalid.html", {"message": error.message}, status=400
            )
        return _registered(request, user)
    from kabinet.identity.services.verification import find_by_link

    if find_by_link(purpose=Verification.Purpose.REGISTER, token=token) is None:
        return render(
            request,
            "identity/link_invalid.html",
            {"message": _("Ссылка недействительна или устарела. Зарегистрируйтесь заново.")},
            status=400,
        )
    return render(request, "identity/register_email_confirm.html")


@never_cache
@GET_POST
def personal_details(request: HttpRequest) -> HttpResponse:
    if not isinstance(request.user, User):
        return redirect(settings.LOGIN_URL)
    user = request.user
    form = PersonalDetailsForm(
        request.POST or None,
        ask_phone=user.needs_phone,
        initial={
            "last_name": user.last_name,
            "first_name": user.first_name,
            "patronymic": user.patronymic,
            "birth_date": user.birth_date,
            "gender": user.gender,
        },
    )
    if request.method == "POST" and form.is_valid():
        if "phone" in form.fields:
            try:
                profile.start_phone_addition(
                    user=user, new_phone=form.cleaned_data["phone"], client_ip=client_ip(request)
                )
            except (ProfileError, DeliveryRefused) as error:
                add_service_error(form, error)
                return _form_page(request, "identity/details.html", form)
        registration.save_personal_details(user=user, details=form.personal_details())
        if "phone" in form.fields:
            messages.info(request, _("Мы отправили SMS с кодом на ваш номер."))
            return redirect("profile:phone-confirm")
        messages.success(request, _("Данные сохранены."))
        return redirect(settings.LOGIN_REDIRECT_URL)
    return _form_page(request, "identity/details.html", form)


# --- password recovery -------------------------------------------------------------------


@never_cache
@GET_POST
def recover(request: HttpRequest) -> HttpResponse:
    form = RecoveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"]
        try:
            verification = recovery.start_recovery(
                identifier=identifier,
                client_ip=client_ip(request),
                hard_captcha=solved_hard_captcha(form),
            )
        except DeliveryRefused as error:
            _refused(form, error)
        except VerificationFailed as error:
            add_service_error(form, error)
        else:
            request.session[RECOVER_KEY] = verification.pk
            if identifier.kind == "phone":
                return redirect("identity:recover_code")
            return redirect("identity:recover_email_sent")
    return _form_page(request, "identity/recover.html", form)


@never_cache
@GET_POST
def recover_code(request: HttpRequest) -> HttpResponse:
    pending = _pending(request, RECOVER_KEY)
    if pending is None or pending.channel != Verification.Channel.SMS:
        return redirect("identity:recover")
    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery.recover_by_code(
                verification_id=pending.pk,
                code=form.cleaned_data["code"],
                password=form.cleaned_data["password1"],
                client_ip=client_ip(request),
            )
        except VerificationFailed as error:
            form.add_error("code", error.message)
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            request.session.pop(RECOVER_KEY, None)
            messages.success(request, _("Пароль успешно изменен"))
            return redirect("identity:login")
    return _form_page(
        request,
        "identity/recover_code.html",
        form,
        {"phone": _display_phone(pending.target), "cooldown": cooldown_left(pending)},
    )


@require_POST
def recover_resend(request: HttpRequest) -> HttpResponse:
    return _resend(
        request,
        RECOVER_KEY,
        recovery.resend_recovery,
        start="identity:recover",
        code_page="identity:recover_code",
        sent_page="identity:recover_email_sent",
    )


@never_cache
@require_GET
def recover_email_sent(request: HttpRequest) -> HttpResponse:
    pending = _pending(request, RECOVER_KEY)
    if pending is None or pending.channel != Verification.Channel.EMAIL:
        return redirect("identity:recover")
    return render(
        request,
        "identity/recover_email_sent.html",
        {"email": pending.target, "cooldown": cooldown_left(pending)},
    )


@never_cache
@GET_POST
def recover_email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    pending = recovery.recovery_by_link(token)
    if pending is None:
        return render(
            request,
            "identity/link_invalid.html",
            {"message": _("Ссылка недействительна или устарела. Запросите новую.")},
            status=400,
        )
    form = NewPasswordForm(request.POST or None, user=pending.user)
    if request.method == "POST" and form.is_valid():
        try:
            recovery.recover_by_link(
                token=token, password=form.cleaned_data["password1"], client_ip=client_ip(request)
            )
        except recovery.RecoveryFailed as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Пароль успешно изменен"))
            return redirect("identity:login")
    return _form_page(request, "identity/recover_new_password.html", form)
