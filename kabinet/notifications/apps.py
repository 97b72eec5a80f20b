from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "kabinet.notifications"
    label = "notifications"
    verbose_name = _("Уведомления")

    def ready(self) -> None:
        # Events of apps on notifications' own level (support) arrive through core's signal:
        # those apps cannot import this one, and this one cannot import them.
        from kabinet.notifications import receivers  # noqa: F401
