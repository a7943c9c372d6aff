import datetime as dt

from django.db.models import (
    Case,
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

from .models import NeedMatch, Shipment, ShipmentLine


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


def need_confirmed_quantity(need: Need) -> int:
    return (
        NeedMatch.objects.filter(need=need, status=NeedMatch.Status.CONFIRMED).aggregate(
            total=Sum("quantity")
        )["total"]
        or 0
    )


def need_unmet_quantity(need: Need) -> int:
    return max(need.quantity - need_confirmed_quantity(need), 0)


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
