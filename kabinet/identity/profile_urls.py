"""Profile pages, included by kabinet/urls.py at "profile/" (url names "profile:…")."""

from django.urls import path

from kabinet.identity.views import profile

app_name = "profile"

urlpatterns = [
    path("", profile.index, name="index"),
    path("edit/", profile.edit, name="edit"),
    path("password/", profile.password, name="password"),
    path("phone/", profile.phone, name="phone"),
    path("phone/confirm/", profile.phone_confirm, name="phone-confirm"),
    path("email/", profile.email, name="email"),
    path("email/send-confirmation/", profile.email_send_confirmation, name="email-send"),
    path("email/confirm/<str:token>/", profile.email_confirm, name="email-confirm"),
    path("devices/", profile.devices, name="devices"),
    path("devices/<int:token_id>/revoke/", profile.device_revoke, name="device-revoke"),
    path("devices/revoke-all/", profile.devices_revoke_all, name="devices-revoke-all"),
    path("personal-data/", profile.personal_data_export, name="personal-data"),
    path("delete/", profile.delete, name="delete"),
    path("consents/", profile.consent_list, name="consents"),
    path("consents/<int:consent_id>/", profile.consent_text, name="consent-text"),
    path("consents/marketing/withdraw/", profile.marketing_withdraw, name="marketing-withdraw"),
    path("consents/marketing/accept/", profile.marketing_accept, name="marketing-accept"),
    path(
        "consents/personal-data/withdraw/",
        profile.personal_data_withdraw,
        name="personal-data-withdraw",
    ),
]
