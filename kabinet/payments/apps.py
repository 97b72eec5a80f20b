from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "kabinet.payments"
    label = "payments"
    verbose_name = _("Платежи")

    def ready(self) -> None:
        # Registers this app's kinds of billing file (import and export).
        from kabinet.payments import exchange, export  # noqa: F401
