"""Rollups the staff dashboard reads: per shipment, the goods it carried and its lead times.

The dashboard's goods and lead-time charts used to aggregate every shipped line joined with its
lot (and, for lead times, with every tracking event of its shipment) on each request, which grew
with lots × lines × events. These two tables hold the same figures per shipment instead
(``ShipmentGoods``: per category and currency; ``ShipmentLeadTime``: per offer carried), so a
chart sums rows that grow with the shipments.

A shipment's rows are rewritten from its lines, lots and events (the source of truth) by
``shipment_rollups_refresh``: the shipments services call it when a shipment reaches or leaves a
status the figures depend on, and when a lot it carried is corrected. ``shipment_rollups_rebuild``
(the ``shipment_rollups_rebuild`` command, and migration 0007) rewrites every row from scratch.
"""

from collections.abc import Iterable

from django.apps import apps as global_apps
from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Min, Q, Sum

from .models import Shipment, ShipmentStatus

# A shipment has left Shenzhen once it is in transit; cancelled ones never count.
SHIPPED_STATUSES = (
    ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.ARRIVED,
    ShipmentStatus.DELIVERED,
    ShipmentStatus.RECEIPT_CONFIRMED,
    ShipmentStatus.CLOSED,
)
# Lead-time milestones: the rollup column of when it was reached, the tracking event status
# that marks it, and the column of the days it took from the offer.
MILESTONES = {
    "dispatched_at": (ShipmentStatus.IN_TRANSIT, "dispatch_days"),
    "delivered_at": (ShipmentStatus.DELIVERED, "delivery_days"),
    "receipt_confirmed_at": (ShipmentStatus.RECEIPT_CONFIRMED, "receipt_days"),
}
DAY_SECONDS = 86400
# Moves after which a shipment's rows may differ: it left (goods, dispatch), reached a
# milestone, or was cancelled (no rows).
ROLLUP_TARGETS = frozenset(
    {*(status for status, _ in MILESTONES.values()), ShipmentStatus.CANCELLED}
)
BATCH = 2000


def _models(apps):
    get = (apps or global_apps).get_model
    return (
        get("shipments", "ShipmentLine"),
        get("shipments", "TrackingEvent"),
        get("shipments", "ShipmentGoods"),
        get("shipments", "ShipmentLeadTime"),
    )


def _goods(ShipmentGoods, lines) -> list:
    """One row per shipment, category and currency over the shipped lines given."""
    rows = (
        lines.filter(shipment__status__in=SHIPPED_STATUSES)
        .order_by()
        .values("shipment_id", "lot__category", "lot__currency")
        .annotate(
            units=Sum("quantity"),
            cartons=Sum("cartons"),
            kg=Sum(
                ExpressionWrapper(
                    F("lot__gross_weight_kg") * F("quantity") / F("lot__quantity_offered"),
                    output_field=DecimalField(max_digits=32, decimal_places=16),
                )
            ),
            value=Sum(
                ExpressionWrapper(
                    F("lot__unit_value") * F("quantity"),
                    output_field=DecimalField(max_digits=24, decimal_places=4),
                )
            ),
        )
    )
    return [
        ShipmentGoods(
            shipment_id=row["shipment_id"],
            category=row["lot__category"],
            currency=row["lot__currency"],
            units=row["units"] or 0,
            cartons=row["cartons"] or 0,
            kg=row["kg"] or 0,
            value=row["value"] or 0,
        )
        for row in rows
    ]


def _lead_times(ShipmentLeadTime, lines, events) -> list:
    """One row per (shipment, offer) carried by a shipment that reached a milestone."""
    reached = {
        row.pop("shipment_id"): row
        for row in events.exclude(shipment__status=ShipmentStatus.CANCELLED)
        .filter(status__in=[status for status, _ in MILESTONES.values()])
        .order_by()
        .values("shipment_id")
        .annotate(
            **{
                column: Min("occurred_at", filter=Q(status=status))
                for column, (status, _) in MILESTONES.items()
            }
        )
    }
    pairs = (
        lines.exclude(shipment__status=ShipmentStatus.CANCELLED)
        .order_by()
        .values("shipment_id", "lot__offer_id")
        .annotate(offered_at=Min("lot__offer__submitted_at"))
    )
    return [
        ShipmentLeadTime(
            shipment_id=pair["shipment_id"],
            offer_id=pair["lot__offer_id"],
            offered_at=pair["offered_at"],
            **_milestones(pair["offered_at"], reached[pair["shipment_id"]]),
        )
        for pair in pairs
        if pair["shipment_id"] in reached
    ]


def _milestones(offered_at, reached: dict) -> dict:
    """When each milestone was reached and the days it took from the offer."""
    values = {}
    for column, (_, days) in MILESTONES.items():
        at = values[column] = reached[column]
        values[days] = None if at is None else (at - offered_at).total_seconds() / DAY_SECONDS
    return values


def _rewrite(shipment_ids: list[int] | None, apps=None) -> None:
    ShipmentLine, TrackingEvent, ShipmentGoods, ShipmentLeadTime = _models(apps)
    lines = ShipmentLine.objects.filter(released_at=None)
    events = TrackingEvent.objects.all()
    goods, lead_times = ShipmentGoods.objects.all(), ShipmentLeadTime.objects.all()
    if shipment_ids is not None:
        lines = lines.filter(shipment_id__in=shipment_ids)
        events = events.filter(shipment_id__in=shipment_ids)
        goods = goods.filter(shipment_id__in=shipment_ids)
        lead_times = lead_times.filter(shipment_id__in=shipment_ids)
    with transaction.atomic():
        goods.delete()
        lead_times.delete()
        ShipmentGoods.objects.bulk_create(_goods(ShipmentGoods, lines), batch_size=BATCH)
        ShipmentLeadTime.objects.bulk_create(
            _lead_times(ShipmentLeadTime, lines, events), batch_size=BATCH
        )


def shipment_rollups_refresh(*, shipment_ids: Iterable[int]) -> None:
    """Rewrite the goods and lead-time rows of these shipments from their lines, lots and
    events. Call it inside the transaction that changed them (after the change), holding the
    shipments' locks; a handful of queries whatever the number of shipments."""
    shipment_ids = sorted(set(shipment_ids))
    if shipment_ids:
        _rewrite(shipment_ids)


def shipment_rollups_refresh_for_lot(*, lot_id: int) -> None:
    """A lot's facts were corrected: the shipments that carried it sum its new weight and value.
    Their rows are locked first (in id order), as a move would, so that a move at the same time
    does not write the same rows twice."""
    with transaction.atomic():
        shipment_ids = list(
            Shipment.objects.select_for_update(of=("self",))
            .filter(lines__lot_id=lot_id, lines__released_at=None)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        shipment_rollups_refresh(shipment_ids=shipment_ids)


def shipment_rollups_rebuild(*, apps=None) -> dict:
    """Rewrite every rollup row from scratch (existing data, or after a bulk load that bypassed
    the services). ``apps`` is a migration's app registry when called from one."""
    _rewrite(None, apps)
    _, _, ShipmentGoods, ShipmentLeadTime = _models(apps)
    return {
        "goods": ShipmentGoods.objects.count(),
        "lead_times": ShipmentLeadTime.objects.count(),
    }
