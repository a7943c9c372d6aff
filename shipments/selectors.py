import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from compliance.selectors import lots_blockers
from compliance.services import DEFAULT_TRANSIT_DAYS

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


# Days from departure to arrival when a shipment gives no expected arrival date.
TRANSIT_DAYS = {"air": 7, "express": 5, "rail": 25, "road": 10, "sea": 40}


def shipment_dates(shipment: Shipment) -> tuple[dt.date, dt.date]:
    """Export and arrival dates of a shipment, estimated from its mode where not planned."""
    export = shipment.planned_departure_on or timezone.localdate()
    arrival = shipment.expected_arrival_on or export + dt.timedelta(
        days=TRANSIT_DAYS.get(shipment.mode, DEFAULT_TRANSIT_DAYS)
    )
    return export, max(arrival, export)


def shipment_blockers(shipment: Shipment) -> list[dict]:
    """Why a shipment may not move on (the compliance gate): one blocker per line that fails it.

    A line passes when its lot's current check was made for this destination, on this
    shipment's dates, from the lot's present facts and under the active rule set, and passes,
    warns or is overridden (see ``compliance.selectors.lots_blockers``). Each blocker names the
    line, the lot, the failing rules and the role that may override them.
    """
    lines = list(shipment.lines.filter(released_at=None).order_by("id").values_list("pk", "lot_id"))
    if not lines:
        return []
    export, arrival = shipment_dates(shipment)
    by_lot = lots_blockers(
        lot_ids=[lot_id for _pk, lot_id in lines],
        country=shipment.city.country,
        export_date=export,
        arrival_date=arrival,
    )
    return [{**by_lot[lot_id], "line": pk} for pk, lot_id in lines if lot_id in by_lot]
