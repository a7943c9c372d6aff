"""Every state change of shipments, their lines, tracking and receipt requests."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance import services as compliance_services
from donations.models import MaterialLot
from sfiec.exceptions import DomainError
from sfiec.references import reference_next
from sfiec.workflow import transition_apply

from .models import ReceiptRequest, Shipment, ShipmentLine, TrackingEvent
from .workflows import CANCELLABLE, EDITABLE_STATUSES, RECEIPT_WORKFLOW, SHIPMENT_WORKFLOW

SHIPMENT_FIELDS = (
    "consignee_contact",
    "mode",
    "carrier",
    "carrier_reference",
    "transport_number",
    "gross_weight_kg",
    "chargeable_weight_kg",
    "freight_cost",
    "freight_currency",
    "freight_paid_by",
    "planned_departure_on",
    "expected_arrival_on",
    "notes",
)


def shipment_create(*, city, consignee, created_by=None, **values) -> Shipment:
    """Open a draft shipment to a sister city and record its first tracking event."""
    unknown = set(values) - set(SHIPMENT_FIELDS)
    if unknown:
        raise DomainError(_("Unknown shipment fields: %s") % ", ".join(sorted(unknown)))
    if consignee.city_id and consignee.city_id != city.pk:
        raise DomainError(_("The consignee is in another sister city than the destination."))
    with transaction.atomic():
        shipment = Shipment(
            reference=reference_next(prefix="SHP", digits=4),
            city=city,
            consignee=consignee,
            created_by=created_by,
            **values,
        )
        shipment.full_clean()
        shipment.save()
        TrackingEvent.objects.create(
            shipment=shipment, status=shipment.status, recorded_by=created_by, note=_("Created")
        )
    return shipment


def shipment_update(*, shipment: Shipment, actor, **values) -> Shipment:
    """Change the planning details of a shipment that has not left yet."""
    unknown = set(values) - set(SHIPMENT_FIELDS)
    if unknown:
        raise DomainError(_("Unknown shipment fields: %s") % ", ".join(sorted(unknown)))
    with transaction.atomic():
        locked = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if locked.status not in CANCELLABLE:
            raise DomainError(_("A shipment cannot be changed once it is in transit."))
        for name, value in values.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save()
        if compliance_services.shipment_dates(locked) != compliance_services.shipment_dates(
            shipment
        ):
            # New dates mean new shelf-life and rule windows: the lines are checked again.
            compliance_services.shipment_checks_enqueue(shipment_id=locked.pk)
    shipment.refresh_from_db()
    return shipment


def shipment_allocate(
    *, shipment: Shipment, lot: MaterialLot, quantity: int, actor, cartons: int = 0
) -> ShipmentLine:
    """Allocate ``quantity`` of a lot's available units, packed in ``cartons``, to a draft shipment.

    Allocating a lot already on the shipment adds units and cartons to its line.

    The lot row is locked for the read-check-write, so concurrent allocations of the same lot
    are serialised; the ``lot_allocated_not_above_received`` constraint backs this up.
    """
    if quantity <= 0:
        raise DomainError(_("The quantity to allocate must be positive."))
    if cartons < 0:
        raise DomainError(_("The number of cartons cannot be negative."))
    try:
        with transaction.atomic():
            locked_shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
            if locked_shipment.status not in EDITABLE_STATUSES:
                raise DomainError(
                    _("Lines can only be changed while the shipment is a draft (it is %s).")
                    % locked_shipment.get_status_display()
                )
            locked_lot = MaterialLot.objects.select_for_update().get(pk=lot.pk)
            if locked_lot.status != MaterialLot.Status.RECEIVED:
                raise DomainError(_("Only received goods can be allocated; %s is not.") % lot)
            if locked_lot.is_quarantined:
                raise DomainError(_("%s is quarantined and cannot be allocated.") % lot)
            if quantity > locked_lot.quantity_available:
                raise DomainError(
                    _("Only %(available)s units of %(lot)s are available; %(asked)s were asked.")
                    % {"available": locked_lot.quantity_available, "lot": lot, "asked": quantity}
                )
            line, created = ShipmentLine.objects.get_or_create(
                shipment=locked_shipment,
                lot=locked_lot,
                defaults={"quantity": quantity, "cartons": cartons},
            )
            if not created:
                line.quantity = F("quantity") + quantity
                line.cartons = F("cartons") + cartons
                line.save(update_fields=["quantity", "cartons"])
                line.refresh_from_db()
            MaterialLot.objects.filter(pk=lot.pk).update(
                quantity_allocated=F("quantity_allocated") + quantity
            )
    except IntegrityError as error:
        raise DomainError(
            _("The allocation would exceed what is available; nothing was allocated.")
        ) from error
    lot.refresh_from_db()
    compliance_services.shipment_checks_enqueue(shipment_id=shipment.pk)
    return line


def shipment_deallocate(*, line: ShipmentLine, actor) -> None:
    """Remove a line from a draft shipment and give its quantity back to the lot."""
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=line.shipment_id)
        if shipment.status not in EDITABLE_STATUSES:
            raise DomainError(_("Lines can only be changed while the shipment is a draft."))
        locked = ShipmentLine.objects.select_for_update().get(pk=line.pk)
        MaterialLot.objects.filter(pk=locked.lot_id).update(
            quantity_allocated=F("quantity_allocated") - locked.quantity
        )
        locked.delete()


def shipment_transition(
    *,
    shipment: Shipment,
    target: str,
    actor=None,
    location: str = "",
    note: str = "",
    occurred_at: datetime | None = None,
    source: str = TrackingEvent.Source.STAFF,
) -> Shipment:
    """Move a shipment along its workflow; every move writes one TrackingEvent.

    Cancelling releases the allocations of its lines. Leaving ``draft`` needs at least one line
    and, for every line, a current compliance check that passes, warns or is overridden.
    """

    def before_save(locked: Shipment) -> None:
        if locked.status == Shipment.Status.DRAFT and target == Shipment.Status.READY:
            _check_can_leave_draft(locked)
        if target == Shipment.Status.CANCELLED:
            _release_allocations(locked)

    def record(locked: Shipment, source_status: str, target_status: str) -> None:
        TrackingEvent.objects.create(
            shipment=locked,
            from_status=source_status,
            status=target_status,
            location=location,
            note=note,
            occurred_at=occurred_at or timezone.now(),
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            source=source,
        )

    return transition_apply(
        instance=shipment,
        workflow=SHIPMENT_WORKFLOW,
        target=target,
        actor=actor,
        note=note,
        apply=before_save,
        record=record,
    )


def _check_can_leave_draft(shipment: Shipment) -> None:
    if not shipment.lines.filter(released_at=None).exists():
        raise DomainError(_("A shipment needs at least one line before it is ready."))
    blockers = compliance_services.shipment_blockers(shipment)
    if blockers:
        raise DomainError(
            _("The shipment cannot leave draft: %(reasons)s")
            % {"reasons": " ".join(blocker["message"] for blocker in blockers)},
            details={"blockers": blockers},
        )


def _release_allocations(shipment: Shipment) -> None:
    now = timezone.now()
    for line in shipment.lines.select_for_update().filter(released_at=None).order_by("lot_id"):
        MaterialLot.objects.filter(pk=line.lot_id).update(
            quantity_allocated=F("quantity_allocated") - line.quantity
        )
        line.released_at = now
        line.save(update_fields=["released_at"])


def receipt_request_transition(
    *, request: ReceiptRequest, target: str, actor=None, reason: str = ""
) -> ReceiptRequest:
    """Move a receipt request; a move back (a rejected upload) needs a reason."""
    backwards = {("receipt_uploaded", "sent"), ("report_uploaded", "receipt_verified")}
    if (request.status, target) in backwards and not reason.strip():
        raise DomainError(_("Rejecting an upload needs a reason for the recipient."))

    def apply(locked: ReceiptRequest) -> None:
        locked.rejection_reason = reason if (locked.status, target) in backwards else ""

    return transition_apply(
        instance=request,
        workflow=RECEIPT_WORKFLOW,
        target=target,
        actor=actor,
        note=reason,
        apply=apply,
    )
