from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "kabinet.support"
    label = "support"
    verbose_name = _("Заявки и обращения")

    def ready(self) -> None:
        # seed_demo sends demo_loaded after the billing files; the catalog, request types, FAQ
        # and contacts of the demo suppliers are added then.
        from kabinet.demo.simulation import demo_loaded
        from kabinet.demo.support import add_demo_support

        demo_loaded.connect(add_demo_support, dispatch_uid="kabinet.support.demo")
