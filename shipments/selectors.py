import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from compliance.models import ComplianceCheck
from compliance.selectors import lots_blockers
from compliance.services import DEFAULT_TRANSIT_DAYS
from donations.models import MaterialLot, Need

from .models import (
    MatchAllocation,
    NeedMatch,
    ReceiptEvidence,
    ReceiptRequest,
    Shipment,
    ShipmentLine,
    TrackingEvent,
)

KG = Decimal("0.01")
M3 = Decimal("0.001")
LOT_SEARCH_LIMIT = 20


def shipment_list() -> QuerySet[Shipment]:
    """Shipments with what their list and detail views show, in a bounded number of queries."""
    return Shipment.objects.select_related("city", "consignee", "carrier").prefetch_related(
        Prefetch(
            "lines",
            queryset=ShipmentLine.objects.select_related("lot", "lot__standard").order_by("id"),
        ),
        "events",
    )


def shipment_rows(*, columns: list[str]) -> QuerySet:
    """Shipments as ``.values(*columns)`` rows: what a list renders without model instances
    (the API's; its lines and events are read in one query each by sfiec.api.serializers)."""
    return _shipment_rows(tuple(columns)).all()


@functools.cache
def _shipment_rows(columns: tuple[str, ...]) -> QuerySet:
    """Never evaluated, only copied: resolving twenty column names cost 0.3 ms a request."""
    return Shipment.objects.values(*columns)


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


def shipment_overview() -> QuerySet[Shipment]:
    """Shipments for the staff list page: one query, units and line counts annotated."""
    active = Q(lines__released_at=None)
    return (
        Shipment.objects.select_related("city", "consignee", "carrier")
        .annotate(
            line_count=Count("lines", filter=active),
            units=Sum("lines__quantity", filter=active),
        )
        .order_by("-created_at", "-id")
    )


def shipment_get_by_reference(*, reference: str) -> Shipment | None:
    """One shipment with its parties, or None."""
    return (
        Shipment.objects.select_related(
            "city", "consignee", "consignee_contact", "carrier", "created_by"
        )
        .filter(reference=reference)
        .first()
    )


def shipment_events(*, shipment: Shipment) -> QuerySet[TrackingEvent]:
    """The shipment's timeline in the order things happened (ties keep the recording order)."""
    return (
        TrackingEvent.objects.filter(shipment=shipment)
        .select_related("recorded_by")
        .order_by("occurred_at", "id")
    )


def _checks_by_lot(lot_ids, country: str) -> dict[int, ComplianceCheck]:
    return {
        check.lot_id: check
        for check in ComplianceCheck.objects.filter(
            lot_id__in=list(lot_ids), country=country, is_current=True
        )
        .select_related("overridden_by")
        .with_findings()
    }


def _share(total: Decimal, part: int, whole: int) -> Decimal:
    """A lot's weight or volume for ``part`` of its ``whole`` units."""
    if not whole:
        return Decimal(0)
    return Decimal(total) * part / whole


@dataclass
class LineRow:
    line: ShipmentLine
    check: ComplianceCheck | None
    gross_kg: Decimal
    net_kg: Decimal
    volume_m3: Decimal
    value: Decimal


@dataclass
class Totals:
    units: int = 0
    cartons: int = 0
    gross_kg: Decimal = Decimal(0)
    net_kg: Decimal = Decimal(0)
    volume_m3: Decimal = Decimal(0)
    values: dict[str, Decimal] = field(default_factory=dict)


def shipment_lines(*, shipment: Shipment) -> list[LineRow]:
    """The active lines with their lot, donor, current check for the destination country, and
    their share of the lot's weights, volume and declared value.

    A lot's weights and volume are given for the quantity offered, so a line carries the same
    share of them as of the units.
    """
    lines = list(
        shipment.lines.filter(released_at=None)
        .select_related("lot", "lot__offer__donor", "lot__standard")
        .order_by("id")
    )
    checks = _checks_by_lot((line.lot_id for line in lines), shipment.city.country)
    rows = []
    for line in lines:
        lot = line.lot
        rows.append(
            LineRow(
                line=line,
                check=checks.get(lot.pk),
                gross_kg=_share(lot.gross_weight_kg, line.quantity, lot.quantity_offered),
                net_kg=_share(lot.net_weight_kg, line.quantity, lot.quantity_offered),
                volume_m3=_share(lot.volume_m3, line.quantity, lot.quantity_offered),
                value=Decimal(lot.unit_value) * line.quantity,
            )
        )
    return rows


def shipment_totals(*, rows: list[LineRow]) -> Totals:
    """Units, cartons, weights, volume and declared value (per currency) of the lines."""
    totals = Totals()
    values: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals.units += row.line.quantity
        totals.cartons += row.line.cartons
        totals.gross_kg += row.gross_kg
        totals.net_kg += row.net_kg
        totals.volume_m3 += row.volume_m3
        values[row.line.lot.currency] += row.value
    totals.gross_kg = totals.gross_kg.quantize(KG, ROUND_HALF_UP)
    totals.net_kg = totals.net_kg.quantize(KG, ROUND_HALF_UP)
    totals.volume_m3 = totals.volume_m3.quantize(M3, ROUND_HALF_UP)
    totals.values = {code: value.quantize(KG, ROUND_HALF_UP) for code, value in values.items()}
    return totals


def shipment_cost_per_kg(*, shipment: Shipment, totals: Totals) -> Decimal | None:
    """Freight cost per kilogram: of the chargeable weight when the carrier gave one, else of
    the gross weight of the lines; None while there is no weight."""
    weight = shipment.chargeable_weight_kg or totals.gross_kg
    if not weight or not shipment.freight_cost:
        return None
    return (Decimal(shipment.freight_cost) / Decimal(weight)).quantize(KG, ROUND_HALF_UP)


@dataclass
class LotOption:
    lot: MaterialLot
    check: ComplianceCheck | None
    is_for_city: bool


def lots_allocatable(*, shipment: Shipment, q: str = "") -> list[LotOption]:
    """Lots that could go on the shipment: received, not quarantined, with units available,
    matching ``q`` in reference, product or donor. Lots meant for the shipment's city come
    first; each carries its current check for the destination country."""
    city = shipment.city
    lots = MaterialLot.objects.allocatable().select_related("offer__donor", "standard")
    q = q.strip()
    if q:
        lots = lots.filter(
            Q(reference__icontains=q)
            | Q(product__icontains=q)
            | Q(manufacturer__icontains=q)
            | Q(offer__donor__name__icontains=q)
            | Q(offer__donor__name_zh__icontains=q)
        )
    lots = list(
        lots.annotate(
            for_city=Case(
                When(Q(preferred_city=city) | Q(offer__preferred_city=city), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        ).order_by("-for_city", "reference")[:LOT_SEARCH_LIMIT]
    )
    checks = _checks_by_lot((lot.pk for lot in lots), city.country)
    return [LotOption(lot, checks.get(lot.pk), bool(lot.for_city)) for lot in lots]


def shipment_receipt(*, shipment: Shipment) -> tuple[ReceiptRequest | None, list]:
    """The shipment's receipt request and its evidence, if one was sent."""
    request = ReceiptRequest.objects.select_related("contact").filter(shipment=shipment).first()
    if request is None:
        return None, []
    evidence = list(
        ReceiptEvidence.objects.filter(request=request)
        .select_related("verified_by")
        .order_by("uploaded_at", "id")
    )
    return request, evidence


def lot_cartons_for(*, lot: MaterialLot, quantity: int) -> int:
    """Cartons holding ``quantity`` units of a lot, from its units per carton (else 0)."""
    if not lot.units_per_carton:
        return 0
    return -(-quantity // lot.units_per_carton)


# --- matching lots to needs -------------------------------------------------------------------

# A lot proposed for a need must still be usable this long after the need's date (its
# "needed by", or today when it has none and is not already past): the shelf-life floor.
NEED_SHELF_LIFE_FLOOR_DAYS = 180
# How a lot's current compliance check for the need's country ranks it. A plain fail (no
# override) is never proposed. A lot with no check, or a stale one, is proposed LAST (so staff
# see it and can run the check) but cannot be confirmed until its check passes, warns or is
# overridden.
RANK_PASS, RANK_WARN, RANK_OVERRIDDEN, RANK_UNCHECKED, RANK_FAIL = 0, 1, 2, 3, 9
RANK_LABELS = {
    RANK_PASS: "pass",
    RANK_WARN: "warn",
    RANK_OVERRIDDEN: "overridden",
    RANK_UNCHECKED: "unchecked",
}


# From delivery on, a shipment's lines count as having reached the city.
DELIVERED_STATUSES = (
    Shipment.Status.DELIVERED,
    Shipment.Status.RECEIPT_CONFIRMED,
    Shipment.Status.CLOSED,
)


@dataclass(frozen=True)
class NeedProgress:
    """Units committed to a need (``matched``) and the part of them that reached its city."""

    matched: int
    delivered: int


def need_progress(need: Need) -> NeedProgress:
    """What fills ``need``, in three aggregate queries.

    Matched: its confirmed reservations (whether still at the warehouse, on a shipment or
    delivered), plus the units a released match had already put on a live shipment to the city,
    plus units of lots offered against the need delivered to its city outside any reservation.
    Delivered: the reserved units and those offered lots on shipments delivered to the city.
    """
    confirmed = NeedMatch.objects.filter(need=need, status=NeedMatch.Status.CONFIRMED).aggregate(
        total=Coalesce(Sum("quantity"), 0)
    )["total"]
    live = MatchAllocation.objects.filter(match__need=need, line__released_at=None)
    reserved = live.aggregate(
        released_on_shipments=Coalesce(
            Sum("quantity", filter=Q(match__status=NeedMatch.Status.RELEASED)), 0
        ),
        delivered=Coalesce(
            Sum("quantity", filter=Q(line__shipment__status__in=DELIVERED_STATUSES)), 0
        ),
    )
    # Lines of lots offered against the need, delivered to its city, less what came onto them
    # from reservations: those units count for the need they were reserved for (this one, already
    # counted above, or another need of the city), never twice.
    reserved_on_line = (
        MatchAllocation.objects.filter(line=OuterRef("pk"))
        .values("line")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    offered_delivered = ShipmentLine.objects.filter(
        lot__offer__need=need,
        shipment__city_id=need.city_id,
        shipment__status__in=DELIVERED_STATUSES,
        released_at=None,
    ).aggregate(
        total=Coalesce(
            Sum(F("quantity") - Coalesce(Subquery(reserved_on_line), 0)),
            0,
        )
    )["total"]
    return NeedProgress(
        matched=confirmed + reserved["released_on_shipments"] + offered_delivered,
        delivered=reserved["delivered"] + offered_delivered,
    )


def need_shelf_life_floor(need: Need) -> dt.date:
    start = max(need.needed_by or timezone.localdate(), timezone.localdate())
    return start + dt.timedelta(days=NEED_SHELF_LIFE_FLOOR_DAYS)


def need_candidates(*, need: Need, limit: int | None = 50) -> QuerySet[MaterialLot]:
    """The lots that could fill ``need``, best first, found by the database in one query.

    Received, not quarantined, with available quantity (received − allocated − reserved), of
    the need's category and, if the need names accepted standards, certified to one of them;
    expiring no earlier than the shelf-life floor (lots without an expiry date come after the
    dated ones of the same rank). Ranked by the lot's current compliance check for the need's
    city's country (pass, warn, overridden fail, then unchecked or stale; a plain fail is
    never proposed), then earliest expiry, then the largest available quantity.

    Each lot carries ``quantity_free`` (available) and ``match_rank`` (see RANK_*).
    """
    country = need.city.country.upper()
    standard_ids = [standard.pk for standard in need.accepted_standards.all()]
    # The rank comes from a correlated subquery on the lot's one current check for the country
    # (the partial unique index on lot and country answers it), not from a join: the planner
    # would hash-join every current check of the country, which is slower at 100,000 lots.
    rank_of_check = (
        ComplianceCheck.objects.filter(lot_id=OuterRef("pk"), country=country, is_current=True)
        .annotate(
            rank=Case(
                When(result="fail", overridden_by__isnull=True, then=Value(RANK_FAIL)),
                When(is_stale=True, then=Value(RANK_UNCHECKED)),
                When(result="pass", then=Value(RANK_PASS)),
                When(result="warn", then=Value(RANK_WARN)),
                default=Value(RANK_OVERRIDDEN),
                output_field=IntegerField(),
            )
        )
        .order_by()
        .values("rank")[:1]
    )
    lots = (
        MaterialLot.objects.filter(
            status=MaterialLot.Status.RECEIVED, is_quarantined=False, category=need.category
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=need_shelf_life_floor(need)))
        .annotate(
            quantity_free=F("quantity_received") - F("quantity_allocated") - F("quantity_reserved"),
            match_rank=Coalesce(Subquery(rank_of_check), Value(RANK_UNCHECKED)),
        )
        .filter(quantity_free__gt=0, match_rank__lt=RANK_FAIL)
        .select_related("standard")
        .order_by("match_rank", F("expires_on").asc(nulls_last=True), "-quantity_free", "id")
    )
    if standard_ids:
        lots = lots.filter(standard_id__in=standard_ids)
    if limit is not None:
        lots = lots[:limit]
    return lots


def need_list(*, statuses=None) -> QuerySet[Need]:
    """Needs with what is still unmet (``quantity_unmet``), soonest needed first."""
    needs = (
        Need.objects.select_related("city", "recipient")
        .prefetch_related("accepted_standards")
        .annotate(
            quantity_unmet=Case(
                When(
                    quantity__gt=F("quantity_matched"), then=F("quantity") - F("quantity_matched")
                ),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by(F("needed_by").asc(nulls_last=True), "priority", "id")
    )
    if statuses:
        needs = needs.filter(status__in=statuses)
    return needs


def need_matches(need: Need) -> QuerySet[NeedMatch]:
    return NeedMatch.objects.filter(need=need).select_related(
        "lot", "lot__standard", "confirmed_by"
    )


def reserved_lots_for_city(city) -> QuerySet[MaterialLot]:
    """Lots holding confirmed reservations for ``city``'s needs, for a shipment's line picker
    (offer them first). Each carries ``quantity_reserved_here``: the part of the lot reserved
    for this city and not yet on a shipment, which ``shipment_allocate`` lets a shipment to the
    city take on top of the lot's free quantity."""
    reserved = Q(need_matches__status=NeedMatch.Status.CONFIRMED, need_matches__need__city=city)
    return (
        MaterialLot.objects.filter(reserved)
        .annotate(
            quantity_reserved_here=Sum(
                F("need_matches__quantity") - F("need_matches__quantity_allocated"),
                filter=reserved,
            )
        )
        .filter(quantity_reserved_here__gt=0)
        .select_related("standard")
        .order_by(F("expires_on").asc(nulls_last=True), "id")
    )


def need_reserved_for_lot_city(*, lot_id: int, city_id: int) -> QuerySet[NeedMatch]:
    """Confirmed matches of one lot for one city whose reservation is not used up yet."""
    return NeedMatch.objects.filter(
        lot_id=lot_id,
        need__city_id=city_id,
        status=NeedMatch.Status.CONFIRMED,
        quantity__gt=F("quantity_allocated"),
    ).order_by("confirmed_at", "id")
