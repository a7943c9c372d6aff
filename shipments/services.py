"""Every state change of shipments, their lines, tracking and receipt requests."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance import services as compliance_services
from donations.models import MaterialLot
from sfiec.exceptions import DomainError
from sfiec.outbox import outbox_enqueue
from sfiec.references import reference_next
from sfiec.workflow import transition_apply

from . import receipts
from .models import ReceiptRequest, Shipment, ShipmentLine, TrackingEvent
from .selectors import shipment_blockers, shipment_dates
from .workflows import (
    CANCELLABLE,
    EDITABLE_STATUSES,
    GATED_STATUSES,
    RECEIPT_WORKFLOW,
    SHIPMENT_WORKFLOW,
)

# A tracking event may be dated this far ahead of the server's clock (clocks drift), no more.
EVENT_CLOCK_TOLERANCE = dt.timedelta(minutes=5)
# A receipt request in one of these states proves the recipient's receipt was verified.
RECEIPT_PROVEN = (
    ReceiptRequest.Status.RECEIPT_VERIFIED,
    ReceiptRequest.Status.REPORT_UPLOADED,
    ReceiptRequest.Status.REPORT_VERIFIED,
)

SHIPMENT_FIELDS = (
    "consignee_contact",
    "mode",
    "carrier",
    "carrier_reference",
    "gross_weight_kg",
    "chargeable_weight_kg",
    "freight_cost",
    "freight_currency",
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
    """Change the planning details of a shipment that has not left yet.

    New dates mean new shelf-life and rule windows, so the lines are checked again. On a
    draft the checks are queued. On a ready or booked shipment, which passed the compliance
    gate on the old dates, they run at once: if a line now fails the gate, the change is kept
    and the shipment goes back to draft, with a tracking event naming the blocking lines and
    rules (a system move), so a compliance officer can review the new checks and the
    shipment can be made ready again. The date change is not refused: the dates are facts
    (a delayed flight), and refusing them would leave the shipment planned on false ones.
    """
    unknown = set(values) - set(SHIPMENT_FIELDS)
    if unknown:
        raise DomainError(_("Unknown shipment fields: %s") % ", ".join(sorted(unknown)))
    with transaction.atomic():
        locked = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if locked.status not in CANCELLABLE:
            raise DomainError(_("A shipment cannot be changed once it is in transit."))
        dates_before = shipment_dates(locked)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save()
        if shipment_dates(locked) != dates_before:
            if locked.status in GATED_STATUSES:
                shipment_checks_run(shipment=locked)
                _back_to_draft_if_blocked(locked, actor)
            else:
                shipment_checks_enqueue(shipment_id=locked.pk)
    shipment.refresh_from_db()
    return shipment


def _back_to_draft_if_blocked(shipment: Shipment, actor) -> None:
    blockers = shipment_blockers(shipment)
    if not blockers:
        return
    reason = _("Back to draft: the new dates fail the compliance gate. %(reasons)s") % {
        "reasons": " ".join(blocker["message"] for blocker in blockers)
    }

    def record(locked: Shipment, source_status: str, target_status: str) -> None:
        TrackingEvent.objects.create(
            shipment=locked,
            from_status=source_status,
            status=target_status,
            note=reason,
            occurred_at=_event_time(locked, None),
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            source=TrackingEvent.Source.SYSTEM,
        )

    transition_apply(
        instance=shipment,
        workflow=SHIPMENT_WORKFLOW,
        target=Shipment.Status.DRAFT,
        actor=actor,
        note=reason,
        record=record,
    )


def shipment_checks_run(*, shipment: Shipment) -> list:
    """Check every active line's lot for the shipment's destination and dates, in one pass.

    Returns the lots' current compliance checks for that destination.
    """
    export, arrival = shipment_dates(shipment)
    lot_ids = list(shipment.lines.filter(released_at=None).values_list("lot_id", flat=True))
    if not lot_ids:
        return []
    return compliance_services.lots_check_for_destination(
        lot_ids=lot_ids, country=shipment.city.country, export_date=export, arrival_date=arrival
    )


def shipment_checks_enqueue(*, shipment_id: int) -> None:
    """Queue the checks of a shipment's lines; written with the work, sent once it commits."""
    from .tasks import shipment_checks_run_task

    outbox_enqueue(shipment_checks_run_task, shipment_id)


def shipment_allocate(
    *, shipment: Shipment, lot: MaterialLot, quantity: int, actor
) -> ShipmentLine:
    """Allocate ``quantity`` of a lot's available units to a draft shipment.

    The lot row is locked for the read-check-write, so concurrent allocations of the same lot
    are serialised; the ``lot_allocated_not_above_received`` constraint backs this up.
    """
    if quantity <= 0:
        raise DomainError(_("The quantity to allocate must be positive."))
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
                shipment=locked_shipment, lot=locked_lot, defaults={"quantity": quantity}
            )
            if not created:
                line.quantity = F("quantity") + quantity
                line.save(update_fields=["quantity"])
                line.refresh_from_db()
            MaterialLot.objects.filter(pk=lot.pk).update(
                quantity_allocated=F("quantity_allocated") + quantity
            )
    except IntegrityError as error:
        raise DomainError(
            _("The allocation would exceed what is available; nothing was allocated.")
        ) from error
    lot.refresh_from_db()
    shipment_checks_enqueue(shipment_id=shipment.pk)
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
    occurred_at: dt.datetime | None = None,
    source: str = TrackingEvent.Source.STAFF,
) -> Shipment:
    """Move a shipment along its workflow; every move writes one TrackingEvent.

    Cancelling releases the allocations of its lines. Every move out of draft and onward
    until departure (to ready, booked or in transit) passes the compliance gate: at least one
    line and, for every line, a current check on the shipment's dates that passes, warns or is
    overridden. "Receipt confirmed" needs a verified receipt. The event's time is never in the
    future (beyond a few minutes of clock drift) nor before the shipment's previous event. A
    move to the status the shipment already has changes nothing and records nothing.
    """
    event_at = None

    def before_save(locked: Shipment) -> None:
        nonlocal event_at
        event_at = _event_time(locked, occurred_at)
        if target in GATED_STATUSES or target == Shipment.Status.IN_TRANSIT:
            _gate_check(locked, target)
        if target == Shipment.Status.RECEIPT_CONFIRMED:
            _receipt_verified_check(locked)
        if target == Shipment.Status.CANCELLED:
            _release_allocations(locked)

    def record(locked: Shipment, source_status: str, target_status: str) -> None:
        TrackingEvent.objects.create(
            shipment=locked,
            from_status=source_status,
            status=target_status,
            location=location,
            note=note,
            occurred_at=event_at,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            source=source,
        )
        if target_status == Shipment.Status.DELIVERED:
            receipts.receipt_request_open_on_commit(shipment_id=locked.pk)

    return transition_apply(
        instance=shipment,
        workflow=SHIPMENT_WORKFLOW,
        target=target,
        actor=actor,
        note=note,
        apply=before_save,
        record=record,
    )


def _gate_check(shipment: Shipment, target: str) -> None:
    """The compliance gate, asked again on every move from draft until departure."""
    if not shipment.lines.filter(released_at=None).exists():
        raise DomainError(_("A shipment needs at least one line before it is ready."))
    blockers = shipment_blockers(shipment)
    if blockers:
        raise DomainError(
            _("The shipment cannot move to %(status)s: %(reasons)s")
            % {
                "status": Shipment.Status(target).label,
                "reasons": " ".join(blocker["message"] for blocker in blockers),
            },
            details={"blockers": blockers},
        )


def _receipt_verified_check(shipment: Shipment) -> None:
    request = ReceiptRequest.objects.filter(shipment=shipment).first()
    if request is None or request.status not in RECEIPT_PROVEN:
        raise DomainError(
            _("The receipt can be confirmed only once the recipient's receipt is verified.")
        )


def _event_time(shipment: Shipment, occurred_at: dt.datetime | None) -> dt.datetime:
    """When the next event of ``shipment`` happened: now if not given; checked if given.

    Raises ValidationError (on ``occurred_at``) for a time in the future or before the
    shipment's latest event, which would put the timeline out of order.
    """
    now = timezone.now()
    latest = (
        TrackingEvent.objects.filter(shipment=shipment)
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    if occurred_at is None:
        return max(now, latest) if latest else now
    if occurred_at > now + EVENT_CLOCK_TOLERANCE:
        raise ValidationError(
            {"occurred_at": _("An event cannot be dated in the future.")}, code="future"
        )
    if latest and occurred_at < latest:
        raise ValidationError(
            {
                "occurred_at": _(
                    "An event cannot be dated before the shipment's previous event (%(latest)s)."
                )
                % {"latest": timezone.localtime(latest).strftime("%Y-%m-%d %H:%M")}
            },
            code="before_previous",
        )
    return occurred_at


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
