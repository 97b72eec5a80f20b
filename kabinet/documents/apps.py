from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "kabinet.documents"
    label = "documents"
    verbose_name = _("Документы")

    def ready(self) -> None:
        # Registers the bill mailing job and its monthly schedule with huey.
        from kabinet.documents import tasks  # noqa: F401
