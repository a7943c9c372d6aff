from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Compliance")

    def ready(self):
        from donations import signals as donation_signals

        from . import receivers

        donation_signals.lots_received.connect(
            receivers.on_lots_received, dispatch_uid="compliance.lots_received"
        )
        donation_signals.lot_facts_changed.connect(
            receivers.on_lot_facts_changed, dispatch_uid="compliance.lot_facts_changed"
        )
        post_migrate.connect(
            receivers.on_post_migrate, sender=self, dispatch_uid="compliance.rules_load"
        )
