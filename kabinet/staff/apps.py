from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "kabinet.staff"
    label = "staff"
    verbose_name = _("Бэк-офис")

    def ready(self) -> None:
        from kabinet.demo.people import on_demo_loaded
        from kabinet.demo.simulation import demo_loaded

        demo_loaded.connect(on_demo_loaded, dispatch_uid="kabinet.staff.demo_operator")
