from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShipmentsConfig(AppConfig):
    name = "shipments"
    verbose_name = _("Shipments")

    def ready(self):
        # Celery's autodiscovery imports only tasks.py; the receipt loop's tasks live beside it.
        from . import receipt_tasks  # noqa: F401
