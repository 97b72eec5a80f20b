"""Registration, login, logout and password recovery pages."""

from django.urls import path

from kabinet.identity.views import auth, language

app_name = "identity"

urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("register/", auth.register_phone, name="register"),
    path("register/code/", auth.register_code, name="register_code"),
    path("register/resend/", auth.register_resend, name="register_resend"),
    path("register/password/", auth.register_password, name="register_password"),
    path("register/email/", auth.register_email, name="register_email"),
    path("register/email/sent/", auth.register_email_sent, name="register_email_sent"),
    path(
        "register/email/confirm/<str:token>/",
        auth.register_email_confirm,
        name="register_email_confirm",
    ),
    path("details/", auth.personal_details, name="details"),
    path("recover/", auth.recover, name="recover"),
    path("recover/code/", auth.recover_code, name="recover_code"),
    path("recover/resend/", auth.recover_resend, name="recover_resend"),
    path("recover/email/sent/", auth.recover_email_sent, name="recover_email_sent"),
    path("recover/email/<str:token>/", auth.recover_email_confirm, name="recover_email_confirm"),
    path("captcha/challenge/", auth.captcha_challenge, name="captcha_challenge"),
    path("documents/<slug:name>/", auth.document, name="document"),
    path("language/", language.set_language, name="language"),
]
