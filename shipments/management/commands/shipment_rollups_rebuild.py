"""Rewrite the dashboard's per-shipment rollups (goods carried, lead times) from scratch."""

from django.core.management.base import BaseCommand

from shipments.rollups import shipment_rollups_rebuild


class Command(BaseCommand):
    help = (
        "Rewrite every shipment's goods and lead-time rows from its lines, lots and tracking "
        "events (after a bulk load or a restore that bypassed the services)."
    )

    def handle(self, *args, **options):
        counts = shipment_rollups_rebuild()
        self.stdout.write(
            f"{counts['goods']} goods rows and {counts['lead_times']} lead-time rows written."
        )
