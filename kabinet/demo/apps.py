from django.apps import AppConfig


class DemoConfig(AppConfig):
    """seed_demo and demo_logins; no models, no signals, nothing done in ready()."""

    name = "kabinet.demo"
    label = "demo"
