"""Reads of the receipt loop: the staff list, a partner's proof, the public trace page."""

from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from donations.models import DonationOffer
from donations.selectors import donors_named_publicly

from .models import (
    DistributionLine,
    ReceiptEvidence,
    ReceiptRequest,
    Shipment,
    ShipmentLine,
    TrackingEvent,
)

WAITING = (ReceiptRequest.Status.SENT, ReceiptRequest.Status.RECEIPT_VERIFIED)
AWAITING_STAFF = (ReceiptRequest.Status.RECEIPT_UPLOADED, ReceiptRequest.Status.REPORT_UPLOADED)


def receipt_request_list(*, status: str = "") -> QuerySet[ReceiptRequest]:
    """Staff: every receipt request, overdue ones first, then by due date."""
    requests = ReceiptRequest.objects.select_related(
        "shipment", "shipment__city", "shipment__consignee", "contact"
    ).annotate(
        overdue=Case(
            When(Q(status__in=WAITING, due_on__lt=timezone.localdate()), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    if status == "overdue":
        requests = requests.filter(overdue=True)
    elif status == "to_check":
        requests = requests.filter(status__in=AWAITING_STAFF)
    elif status:
        requests = requests.filter(status=status)
    return requests.order_by("-overdue", "due_on", "id")


def receipt_request_get(*, reference: str) -> ReceiptRequest:
    """Staff: one request by its shipment's reference, with evidence and distribution rows."""
    return (
        ReceiptRequest.objects.select_related(
            "shipment", "shipment__city", "shipment__consignee", "contact"
        )
        .prefetch_related(
            Prefetch("evidence", queryset=ReceiptEvidence.objects.select_related("verified_by")),
            Prefetch(
                "distribution_lines",
                queryset=DistributionLine.objects.select_related("line", "line__lot"),
            ),
            Prefetch("shipment__lines", queryset=_live_lines()),
        )
        .get(shipment__reference=reference)
    )


def _live_lines():
    return ShipmentLine.objects.filter(released_at=None).select_related("lot").order_by("id")


@dataclass
class ShipmentProof:
    """What one shipment carrying a donor's goods can show the donor."""

    shipment: Shipment
    lines: list  # this donor's lines in the shipment
    delivered_on: object = None
    request: ReceiptRequest | None = None
    receipt_verified: bool = False
    report_verified: bool = False
    evidence: list = field(default_factory=list)
    distribution: list = field(default_factory=list)


def offer_proof(*, offer: DonationOffer) -> list[ShipmentProof]:
    """Where an offer's lots went: each shipment with the donor's lines, the receipt status and
    the evidence staff verified (never what is pending or rejected)."""
    lines = (
        ShipmentLine.objects.filter(lot__offer=offer, released_at=None)
        .exclude(shipment__status=Shipment.Status.CANCELLED)
        .select_related("lot", "shipment", "shipment__city")
        .order_by("shipment__created_at", "id")
    )
    by_shipment: dict[int, ShipmentProof] = {}
    for line in lines:
        proof = by_shipment.setdefault(
            line.shipment_id, ShipmentProof(shipment=line.shipment, lines=[])
        )
        proof.lines.append(line)
    if not by_shipment:
        return []
    events = TrackingEvent.objects.filter(
        shipment_id__in=by_shipment, status=Shipment.Status.DELIVERED
    ).order_by("occurred_at")
    for event in events:
        by_shipment[event.shipment_id].delivered_on = timezone.localdate(event.occurred_at)
    requests = ReceiptRequest.objects.filter(shipment_id__in=by_shipment).prefetch_related(
        Prefetch(
            "evidence",
            queryset=ReceiptEvidence.objects.filter(verified_at__isnull=False).order_by(
                "uploaded_at"
            ),
        ),
        Prefetch(
            "distribution_lines",
            queryset=DistributionLine.objects.select_related("line", "line__lot"),
        ),
    )
    verified = {ReceiptRequest.Status.RECEIPT_VERIFIED, ReceiptRequest.Status.REPORT_UPLOADED}
    for request in requests:
        proof = by_shipment[request.shipment_id]
        proof.request = request
        proof.report_verified = request.status == ReceiptRequest.Status.REPORT_VERIFIED
        proof.receipt_verified = proof.report_verified or request.status in verified
        proof.evidence = list(request.evidence.all())
        if proof.report_verified:
            mine = {line.pk for line in proof.lines}
            proof.distribution = [
                row
                for row in request.distribution_lines.all()
                if row.line_id is None or row.line_id in mine
            ]
    return list(by_shipment.values())


def proof_evidence_list(*, user) -> QuerySet[ReceiptEvidence]:
    """Verified evidence of shipments that carry goods of the partner's organisation."""
    membership = getattr(user, "partner_membership", None)
    if membership is None:
        return ReceiptEvidence.objects.none()
    return ReceiptEvidence.objects.filter(
        verified_at__isnull=False,
        request__shipment__lines__lot__offer__donor_id=membership.organisation_id,
        request__shipment__lines__released_at=None,
    ).distinct()


@dataclass
class Trace:
    """What the public trace page of a shipment shows: only what is approved for it."""

    shipment: Shipment
    goods: list
    named_donors: list
    anonymous_donors: int
    departed_on: object
    arrived_on: object
    delivered_on: object
    request: ReceiptRequest | None
    photos: list


def trace_get(*, token: str) -> Trace:
    """The public trace of a shipment by its public token; DoesNotExist (→ 404) otherwise."""
    shipment = (
        Shipment.objects.select_related("city")
        .prefetch_related(
            Prefetch("lines", queryset=_live_lines().select_related("lot__offer__donor")),
            "events",
        )
        .get(public_token=token)
    )
    lines = list(shipment.lines.all())
    offers = [line.lot.offer for line in lines]
    donors = {offer.donor_id: offer.donor for offer in offers}
    named_ids = donors_named_publicly(offers=offers)
    named = sorted((donors[pk] for pk in named_ids), key=lambda d: d.name)
    request = ReceiptRequest.objects.filter(shipment=shipment).first()
    photos = (
        list(
            request.evidence.filter(
                is_published=True, verified_at__isnull=False, kind=ReceiptEvidence.Kind.PHOTO
            )
        )
        if request
        else []
    )

    def first(status):
        found = [e for e in shipment.events.all() if e.status == status]
        return timezone.localdate(found[0].occurred_at) if found else None

    return Trace(
        shipment=shipment,
        goods=lines,
        named_donors=named,
        anonymous_donors=len(donors) - len(named),
        departed_on=first(Shipment.Status.IN_TRANSIT),
        arrived_on=first(Shipment.Status.ARRIVED),
        delivered_on=first(Shipment.Status.DELIVERED),
        request=request,
        photos=photos,
    )
