from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "kabinet.billing"
    label = "billing"
    verbose_name = _("Биллинг")

    def ready(self) -> None:
        # Registers the kinds of billing file this app owns.
        from kabinet.billing.exchange import kinds  # noqa: F401
