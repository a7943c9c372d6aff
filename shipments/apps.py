from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShipmentsConfig(AppConfig):
    name = "shipments"
    verbose_name = _("Shipments")

    def ready(self):
        from donations import signals as donation_signals

        # Celery's autodiscovery imports only tasks.py; the receipt loop's tasks live beside it.
        from . import (
            receipt_tasks,  # noqa: F401
            receivers,
        )

        donation_signals.need_closing.connect(
            receivers.on_need_closing, dispatch_uid="shipments.need_closing"
        )
        donation_signals.lot_facts_changed.connect(
            receivers.on_lot_facts_changed, dispatch_uid="shipments.lot_facts_changed"
        )
