import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from compliance.selectors import lots_blockers
from compliance.services import DEFAULT_TRANSIT_DAYS

from .models import ReceiptRequest, Shipment, ShipmentLine


def shipment_list() -> QuerySet[Shipment]:
    """Shipments with what their list and detail views show, in a bounded number of queries."""
    return Shipment.objects.select_related("city", "consignee", "carrier").prefetch_related(
        Prefetch(
            "lines",
            queryset=ShipmentLine.objects.select_related("lot", "lot__standard").order_by("id"),
        ),
        "events",
    )


# --- a lot's path, for its donor -------------------------------------------------------------

SHIPPED_STATUSES = frozenset(
    {
        Shipment.Status.IN_TRANSIT,
        Shipment.Status.ARRIVED,
        Shipment.Status.DELIVERED,
        Shipment.Status.RECEIPT_CONFIRMED,
        Shipment.Status.CLOSED,
    }
)
RECEIPT_VERIFIED_STATUSES = frozenset(
    {
        ReceiptRequest.Status.RECEIPT_VERIFIED,
        ReceiptRequest.Status.REPORT_UPLOADED,
        ReceiptRequest.Status.REPORT_VERIFIED,
    }
)


def _step(key: str, label: str, *, done: bool, at=None, detail: str = "", url: str = "") -> dict:
    return {"key": key, "label": label, "done": done, "at": at, "detail": detail, "url": url}


def lot_journeys(*, lot_ids) -> dict[int, list[dict]]:
    """Each lot's path so far, step by step, as its donor follows it.

    Steps: received, checked, then per shipment carrying the lot: shipped on SHP-…, delivered,
    receipt verified, distributed. Each step says whether it has happened and when; the first
    one still to come is there too, so the donor sees what is next. A bounded number of
    queries, whatever the number of lots or shipments.
    """
    from compliance.models import ComplianceCheck
    from donations.models import MaterialLot

    lot_ids = list(lot_ids)
    lots = MaterialLot.objects.filter(pk__in=lot_ids).only(
        "id", "status", "received_at", "is_quarantined"
    )
    checks: dict[int, list] = {}
    for check in ComplianceCheck.objects.filter(lot_id__in=lot_ids, is_current=True).order_by(
        "country"
    ):
        checks.setdefault(check.lot_id, []).append(check)
    lines: dict[int, list] = {}
    for line in (
        ShipmentLine.objects.filter(lot_id__in=lot_ids, released_at=None)
        .select_related("shipment", "shipment__city", "shipment__receipt_request")
        .prefetch_related("shipment__events", "shipment__receipt_request__evidence")
        .order_by("shipment__created_at", "id")
    ):
        if line.shipment.status != Shipment.Status.CANCELLED:
            lines.setdefault(line.lot_id, []).append(line)
    return {
        lot.pk: _lot_journey(lot, checks.get(lot.pk, []), lines.get(lot.pk, [])) for lot in lots
    }


def _lot_journey(lot, checks, lines) -> list[dict]:
    from django.utils.translation import gettext as _

    steps = []
    if lot.status == "rejected":
        return [
            _step("rejected", _("Not accepted at the warehouse"), done=True, at=lot.received_at)
        ]
    steps.append(
        _step(
            "received",
            _("Received at the warehouse"),
            done=bool(lot.received_at),
            at=lot.received_at,
        )
    )
    fresh = [check for check in checks if not check.is_stale]
    steps.append(
        _step(
            "checked",
            _("Checked against the export and destination rules"),
            done=bool(fresh),
            at=max((check.evaluated_at for check in fresh), default=None),
            detail=", ".join(f"{check.country}: {check.get_result_display()}" for check in fresh),
        )
    )
    if not lines:
        steps.append(_step("shipped", _("Shipped"), done=False))
    for line in lines:
        shipment = line.shipment
        events = {}
        for event in shipment.events.all():
            events.setdefault(event.status, event.occurred_at)
        request = getattr(shipment, "receipt_request", None)
        evidence = {}
        for item in request.evidence.all() if request else ():
            if item.verified_at:
                evidence.setdefault(item.kind, item.verified_at)
        where = (
            shipment.city.name_zh if _chinese() and shipment.city.name_zh else shipment.city.name
        )
        steps += [
            _step(
                "shipped",
                _("Shipped on %(reference)s to %(city)s")
                % {"reference": shipment.reference, "city": where},
                done=shipment.status in SHIPPED_STATUSES,
                at=events.get(Shipment.Status.IN_TRANSIT),
                detail=_("%(quantity)s units") % {"quantity": line.quantity},
            ),
            _step(
                "delivered",
                _("Delivered"),
                done=Shipment.Status.DELIVERED in events
                or shipment.status in (Shipment.Status.RECEIPT_CONFIRMED, Shipment.Status.CLOSED),
                at=events.get(Shipment.Status.DELIVERED),
            ),
            _step(
                "receipt_verified",
                _("Receipt signed by the recipient and verified"),
                done=bool(request and request.status in RECEIPT_VERIFIED_STATUSES),
                at=evidence.get("signed_receipt"),
            ),
            _step(
                "distributed",
                _("Distributed, with the recipient's report verified"),
                done=bool(request and request.status == ReceiptRequest.Status.REPORT_VERIFIED),
                at=evidence.get("distribution_report"),
            ),
        ]
    for step in steps:
        if not step["done"]:
            step["next"] = True
            break
    return steps


def _chinese() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("zh")


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
