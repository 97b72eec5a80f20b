from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeteringConfig(AppConfig):
    name = "kabinet.metering"
    label = "metering"
    verbose_name = _("Приборы учёта")

    def ready(self) -> None:
        # Registers this app's kinds of billing file (import and export).
        from kabinet.metering import exchange, export  # noqa: F401
