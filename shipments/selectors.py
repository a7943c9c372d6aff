from django.db.models import Prefetch, QuerySet

from .models import Shipment, ShipmentLine


def shipment_list() -> QuerySet[Shipment]:
    """Shipments with what their list and detail views show, in a bounded number of queries."""
    return Shipment.objects.select_related("city", "consignee", "carrier").prefetch_related(
        Prefetch(
            "lines",
            queryset=ShipmentLine.objects.select_related("lot", "lot__standard").order_by("id"),
        ),
        "events",
    )
