from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "kabinet.messaging"
    label = "messaging"
    verbose_name = _("Сообщения")

    def ready(self) -> None:
        # Registers the delivery job and the periodic sweep with huey.
        from kabinet.messaging import tasks  # noqa: F401
