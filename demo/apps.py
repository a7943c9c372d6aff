from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for development and tests; last in the app order, it may import any app."""

    name = "demo"
