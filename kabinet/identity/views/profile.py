"""Profile pages: thin views over services/profile.py and services/personal_data.py."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kabinet.core.forms import perform
from kabinet.core.http import client_ip
from kabinet.identity.models import Consent, User
from kabinet.identity.profile_forms import (
    DeleteUserForm,
    EmailChangeForm,
    PasswordChangeForm,
    PhoneChangeForm,
    PhoneCodeForm,
    ProfileForm,
    WithdrawPersonalDataForm,
)
from kabinet.identity.services import consents, personal_data, profile, tokens
from kabinet.identity.services.profile import ProfileError

# The site's home page, served by portal at the root. Identity sits below portal in the app chain,
# so it goes there by address rather than by one of portal's URL names.
SITE_HOME = "/"


def _user(request: HttpRequest) -> User:
    # login_required has run, so this is a real User, not AnonymousUser.
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "identity/profile/index.html",
        {"profile_user": user, "pending_phone": profile.pending_phone_change(user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    initial = {name: getattr(user, name) for name in profile.PROFILE_FIELDS}
    form = ProfileForm(request.POST or None, initial=initial)
    done = request.method == "POST" and perform(
        form,
        lambda: profile.update_profile(user=user, **form.cleaned_data),
        ProfileError,
    )
    if done:
        messages.success(request, _("Личные данные сохранены."))
        return redirect("profile:index")
    return render(request, "identity/profile/edit.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PasswordChangeForm(request.POST or None)
    done = request.method == "POST" and perform(
        form,
        lambda: profile.change_password(
            user=user,
            current_password=form.cleaned_data["current_password"],
            new_password=form.cleaned_data["new_password"],
        ),
        ProfileError,
    )
    if done:
        # Other sessions end with the old password hash; this one is carried over.
        update_session_auth_hash(request, user)
        messages.success(request, _("Пароль изменён."))
        return redirect("profile:index")
    return render(request, "identity/profile/password.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def phone(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PhoneChangeForm(request.POST or None)
    done = request.method == "POST" and perform(
        form,
        lambda: profile.start_phone_change(
            user=user,
            current_password=form.cleaned_data["current_password"],
            new_phone=form.cleaned_data["phone"],
            client_ip=client_ip(request),
        ),
        ProfileError,
    )
    if done:
        messages.info(request, _("Мы отправили SMS с кодом на новый номер."))
        return redirect("profile:phone-confirm")
    return render(request, "identity/profile/phone.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def phone_confirm(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    pending = profile.pending_phone_change(user)
    if pending is None and request.method == "GET":
        messages.warning(request, _("Код устарел. Укажите новый номер ещё раз."))
        return redirect("profile:phone")
    form = PhoneCodeForm(request.POST or None)
    done = request.method == "POST" and perform(
        form,
        lambda: profile.confirm_phone_change(user=user, code=form.cleaned_data["code"]),
        ProfileError,
    )
    if done:
        if pending is not None and pending.payload.get("first"):
            messages.success(request, _("Номер телефона подтверждён."))
            return redirect(settings.LOGIN_REDIRECT_URL)
        messages.success(request, _("Номер телефона изменён."))
        return redirect("profile:index")
    return render(
        request, "identity/profile/phone_confirm.html", {"form": form, "pending": pending}
    )


@login_required
@require_http_methods(["GET", "POST"])
def email(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = EmailChangeForm(request.POST or None)
    done = request.method == "POST" and perform(
        form,
        lambda: profile.start_email_change(
            user=user,
            current_password=form.cleaned_data["current_password"],
            new_email=form.cleaned_data["email"],
        ),
        ProfileError,
    )
    if done:
        messages.info(
            request,
            _(
                "Мы отправили письмо со ссылкой на новый адрес. Перейдите по ней в течение "
                "60 часов, чтобы подтвердить e-mail."
            ),
        )
        return redirect("profile:index")
    return render(request, "identity/profile/email.html", {"form": form})


@login_required
@require_POST
def email_send_confirmation(request: HttpRequest) -> HttpResponse:
    try:
        profile.start_email_confirmation(user=_user(request))
    except ProfileError as error:
        messages.error(request, error.message)
    else:
        messages.info(
            request,
            _("Мы отправили письмо со ссылкой. Перейдите по ней в течение 60 часов."),
        )
    return redirect("profile:index")


@require_http_methods(["GET", "POST"])
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the letter; no login needed, the token is the proof.

    GET only shows a button: mail scanners fetch links, and must not confirm anything.
    """
    if request.method == "POST":
        try:
            profile.confirm_email_change(token=token)
        except ProfileError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Адрес электронной почты подтверждён."))
        return redirect("profile:index" if request.user.is_authenticated else SITE_HOME)
    return render(
        request,
        "identity/profile/email_confirm.html",
        {"valid": profile.email_link_is_valid(token)},
    )


@login_required
@require_GET
def devices(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "identity/profile/devices.html",
        {
            "devices": list(tokens.live_tokens(_user(request))),
            "ttl_days": settings.API_TOKEN_TTL_DAYS,
        },
    )


@login_required
@require_POST
def device_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    # Http404 for someone else's token, as for one that does not exist.
    tokens.revoke_token(user=_user(request), token_id=token_id)
    messages.success(request, _("Вход на устройстве завершён."))
    return redirect("profile:devices")


@login_required
@require_POST
def devices_revoke_all(request: HttpRequest) -> HttpResponse:
    tokens.log_out_devices(user=_user(request))
    messages.success(request, _("Вход завершён на всех устройствах."))
    return redirect("profile:devices")


@login_required
@require_GET
def personal_data_export(request: HttpRequest) -> HttpResponse:
    data = personal_data.export_personal_data(user=_user(request))
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"kabinet-personal-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = DeleteUserForm(request.POST or None)
    done = request.method == "POST" and perform(
        form,
        lambda: personal_data.delete_user(
            user=user,
            current_password=form.cleaned_data["current_password"],
            confirmed=form.cleaned_data["confirm"],
        ),
        ProfileError,
    )
    if done:
        logout(request)
        messages.success(request, _("Учётная запись и ваши персональные данные удалены."))
        return redirect(SITE_HOME)
    return render(request, "identity/profile/delete.html", {"form": form})


# --- consents -------------------------------------------------------------------------------


@login_required
@require_GET
def consent_list(request: HttpRequest) -> HttpResponse:
    """«Согласия»: what the person agreed to, which version, since when and until when."""
    user = _user(request)
    return render(
        request,
        "identity/profile/consents.html",
        {
            "history": consents.consent_history(user),
            "marketing_active": consents.has_active_consent(user, Consent.Kind.MARKETING),
        },
    )


@login_required
@require_GET
def consent_text(request: HttpRequest, consent_id: int) -> HttpResponse:
    """The text of the version the person agreed to, kept even after the document changed."""
    consent = Consent.objects.filter(pk=consent_id, user=_user(request)).first()
    if consent is None:
        raise Http404  # someone else's consent answers as a missing one
    return render(
        request,
        "identity/profile/consent_text.html",
        {"consent": consent, "text": consents.consent_text(consent.kind, consent.version)},
    )


@login_required
@require_POST
def marketing_withdraw(request: HttpRequest) -> HttpResponse:
    if consents.withdraw_consent(user=_user(request), kind=Consent.Kind.MARKETING):
        messages.success(
            request, _("Согласие на рассылки отозвано. Рекламные сообщения больше не придут.")
        )
    return redirect("profile:consents")


@login_required
@require_POST
def marketing_accept(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not consents.has_active_consent(user, Consent.Kind.MARKETING):
        consents.accept_consent(
            user=user, kind=Consent.Kind.MARKETING, ip_address=client_ip(request)
        )
        messages.success(request, _("Согласие на рассылки дано."))
    return redirect("profile:consents")


@login_required
@require_http_methods(["GET", "POST"])
def personal_data_withdraw(request: HttpRequest) -> HttpResponse:
    """Withdrawing the personal-data consent: says the account will be closed, asks for the
    password and a confirmation, then closes it (services.personal_data)."""
    user = _user(request)
    form = WithdrawPersonalDataForm(request.POST or None)
    done = request.method == "POST" and perform(
        form,
        lambda: personal_data.withdraw_personal_data_consent(
            user=user,
            current_password=form.cleaned_data["current_password"],
            confirmed=form.cleaned_data["confirm"],
        ),
        ProfileError,
    )
    if done:
        logout(request)
        messages.success(
            request,
            _(
                "Согласие на обработку персональных данных отозвано. Учётная запись закрыта, "
                "ваши персональные данные удалены."
            ),
        )
        return redirect(SITE_HOME)
    return render(request, "identity/profile/personal_data_withdraw.html", {"form": form})
