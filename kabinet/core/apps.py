from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kabinet.core"
    label = "core"
    verbose_name = _("Ядро")

    def ready(self) -> None:
        from django.core import checks

        from kabinet.core.checks import limiter_store

        checks.register(limiter_store)
