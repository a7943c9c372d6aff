"""Every state change of shipments, their lines, tracking and receipt requests."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance import services as compliance_services
from compliance.models import ComplianceCheck
from donations.models import MaterialLot, Need
from donations.workflows import NEED_WORKFLOW
from sfiec.exceptions import DomainError
from sfiec.outbox import outbox_enqueue
from sfiec.references import reference_next
from sfiec.workflow import transition_apply

from . import receipts, rollups
from .models import (
    MatchAllocation,
    NeedMatch,
    ReceiptRequest,
    Shipment,
    ShipmentLine,
    TrackingEvent,
)
from .selectors import (
    NeedProgress,
    need_progress,
    need_reserved_for_lot_city,
    need_shelf_life_floor,
    shipment_blockers,
    shipment_dates,
)
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
            # Units reserved for this city's needs may go onto a shipment to this city. Their
            # matches are locked before the lot (see LOCK_ORDER).
            reserved_here = list(
                need_reserved_for_lot_city(
                    lot_id=lot.pk, city_id=locked_shipment.city_id
                ).select_for_update(of=("self",))
            )
            locked_lot = MaterialLot.objects.locked().get(pk=lot.pk)
            if locked_lot.status != MaterialLot.Status.RECEIVED:
                raise DomainError(_("Only received goods can be allocated; %s is not.") % lot)
            if locked_lot.is_quarantined:
                raise DomainError(_("%s is quarantined and cannot be allocated.") % lot)
            usable = locked_lot.quantity_available + sum(
                match.quantity - match.quantity_allocated for match in reserved_here
            )
            if quantity > usable:
                raise DomainError(
                    _("Only %(available)s units of %(lot)s are available; %(asked)s were asked.")
                    % {"available": usable, "lot": lot, "asked": quantity}
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
            _reservations_consume(
                locked_lot, line, reserved_here, quantity - locked_lot.quantity_available
            )
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
        _line_give_back(locked)
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
        if target_status in rollups.ROLLUP_TARGETS:
            rollups.shipment_rollups_refresh(shipment_ids=[locked.pk])
        if target_status == Shipment.Status.DELIVERED:
            _needs_sync_for_delivery(locked, actor)
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
        _line_give_back(line)
        line.released_at = now
        line.save(update_fields=["released_at"])


def _line_give_back(line: ShipmentLine) -> None:
    """Give a removed or cancelled line's units back: what it took from a confirmed
    reservation returns to that reservation, the rest (and what a since-released match had
    reserved) to the lot's free stock. The needs concerned move accordingly."""
    allocations = list(
        MatchAllocation.objects.filter(line=line).select_related("match").order_by("match_id")
    )
    need_ids = {allocation.match.need_id for allocation in allocations}
    # Needs, then matches, then the lot (see LOCK_ORDER).
    list(
        Need.objects.select_for_update()
        .filter(pk__in=need_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    matches = {
        match.pk: match
        for match in NeedMatch.objects.select_for_update()
        .filter(pk__in=[allocation.match_id for allocation in allocations])
        .order_by("pk")
    }
    MaterialLot.objects.filter(pk=line.lot_id).update(
        quantity_allocated=F("quantity_allocated") - line.quantity
    )
    for allocation in allocations:
        match = matches[allocation.match_id]
        NeedMatch.objects.filter(pk=match.pk).update(
            quantity_allocated=F("quantity_allocated") - allocation.quantity
        )
        if match.status == NeedMatch.Status.CONFIRMED:
            MaterialLot.objects.filter(pk=line.lot_id).update(
                quantity_reserved=F("quantity_reserved") + allocation.quantity
            )
    MatchAllocation.objects.filter(line=line).delete()
    _needs_sync(need_ids)


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


# --- matching lots to needs and reserving them ------------------------------------------------

NEED_MATCHABLE = (Need.Status.OPEN, Need.Status.PARTLY_MET)
# Every door that locks several of these rows locks them in this order (skipping those it does
# not touch), so two of them working on the same lot or need wait for each other instead of
# deadlocking: shipment, line, needs (by id), matches (by id), lot.
LOCK_ORDER = ("shipment", "line", "need", "match", "lot")


def _reservations_consume(
    lot: MaterialLot, line: ShipmentLine, matches: list[NeedMatch], needed: int
) -> None:
    """Turn up to ``needed`` reserved units of ``lot`` into units of ``line`` (oldest match
    first), remembering which reservation each came from: the caller then adds the whole
    quantity to the lot's ``quantity_allocated``."""
    for match in matches:
        if needed <= 0:
            return
        take = min(needed, match.quantity - match.quantity_allocated)
        NeedMatch.objects.filter(pk=match.pk).update(
            quantity_allocated=F("quantity_allocated") + take
        )
        MaterialLot.objects.filter(pk=lot.pk).update(
            quantity_reserved=F("quantity_reserved") - take
        )
        allocation, created = MatchAllocation.objects.get_or_create(
            match=match, line=line, defaults={"quantity": take}
        )
        if not created:
            MatchAllocation.objects.filter(pk=allocation.pk).update(quantity=F("quantity") + take)
        needed -= take


def need_match_confirm(
    *,
    need: Need,
    lot: MaterialLot,
    actor,
    quantity: int | None = None,
    matched_seen: int | None = None,
) -> NeedMatch:
    """Confirm ``lot`` for ``need``: reserve ``quantity`` (default: as much as the lot has free
    and the need still lacks) for the need's city.

    The need and then the lot are locked, so racing confirmations are serialised and each sees
    what the others reserved; the ``lot_allocated_reserved_not_above_received`` constraint
    backs this up. The lot must be proposable (see ``selectors.need_candidates``) and its
    current check for the city's country must pass, warn or be overridden, and not be stale.
    The need moves to partly met or met; the donor and the recipient contact are told.
    ``matched_seen``, what the confirming page showed as matched, refuses a repeated click or a
    confirmation made on figures a colleague has changed since.
    """
    if quantity is not None and quantity <= 0:
        raise DomainError(_("The quantity to reserve must be positive."))
    try:
        with transaction.atomic():
            locked_need = Need.objects.select_for_update().select_related("city").get(pk=need.pk)
            if matched_seen is not None and matched_seen != locked_need.quantity_matched:
                raise DomainError(
                    _(
                        "The need changed since the page was shown: %(matched)s units are matched "
                        "now. Check the figures and confirm again."
                    )
                    % {"matched": locked_need.quantity_matched}
                )
            if locked_need.status not in NEED_MATCHABLE:
                raise DomainError(
                    _("Matches can be confirmed only for an open or partly met need (it is %s).")
                    % locked_need.get_status_display()
                )
            unmet = locked_need.quantity - need_progress(locked_need).matched
            if unmet <= 0:
                raise DomainError(_("This need is already fully met."))
            locked_lot = MaterialLot.objects.locked().get(pk=lot.pk)
            check = _match_eligibility_check(locked_need, locked_lot)
            available = locked_lot.quantity_available
            if available <= 0:
                raise DomainError(_("Nothing of %s is available any more.") % locked_lot)
            quantity = quantity if quantity is not None else min(available, unmet)
            if quantity > available:
                raise DomainError(
                    _("Only %(available)s units of %(lot)s are available; %(asked)s were asked.")
                    % {"available": available, "lot": locked_lot, "asked": quantity}
                )
            if quantity > unmet:
                raise DomainError(
                    _("The need lacks only %(unmet)s units; %(asked)s were asked.")
                    % {"unmet": unmet, "asked": quantity}
                )
            match = NeedMatch.objects.create(
                need=locked_need,
                lot=locked_lot,
                quantity=quantity,
                status=NeedMatch.Status.CONFIRMED,
                compliance_result="overridden" if check.is_overridden else check.result,
                confirmed_by=actor if getattr(actor, "is_authenticated", False) else None,
                confirmed_at=timezone.now(),
            )
            MaterialLot.objects.filter(pk=locked_lot.pk).update(
                quantity_reserved=F("quantity_reserved") + quantity
            )
            _need_status_sync(locked_need, actor)
            from .tasks import need_match_confirmed_notify_task

            outbox_enqueue(need_match_confirmed_notify_task, match.pk)
    except IntegrityError as error:
        raise DomainError(
            _("The reservation would exceed what is available; nothing was reserved.")
        ) from error
    need.refresh_from_db()
    lot.refresh_from_db()
    return match


def _match_eligibility_check(need: Need, lot: MaterialLot) -> ComplianceCheck:
    """Refuse a lot that ``need_candidates`` would not propose, or whose check is not usable."""
    if lot.status != MaterialLot.Status.RECEIVED or lot.is_quarantined:
        raise DomainError(_("Only received goods out of quarantine can be reserved."))
    if lot.category != need.category:
        raise DomainError(_("%s is of another category than the need.") % lot)
    accepted = set(need.accepted_standards.values_list("pk", flat=True))
    if accepted and lot.standard_id not in accepted:
        raise DomainError(_("%s is not certified to a standard the need accepts.") % lot)
    if lot.expires_on and lot.expires_on < need_shelf_life_floor(need):
        raise DomainError(_("%s expires too soon for this need.") % lot)
    check = ComplianceCheck.objects.filter(
        lot=lot, country=need.city.country.upper(), is_current=True
    ).first()
    if check is None or check.is_stale:
        raise DomainError(
            _("%(lot)s has no up-to-date compliance check for %(country)s; run it first.")
            % {"lot": lot, "country": need.city.country}
        )
    if check.result == ComplianceCheck.Result.FAIL and not check.is_overridden:
        raise DomainError(
            _("%(lot)s fails compliance for %(country)s and has no override.")
            % {"lot": lot, "country": need.city.country}
        )
    return check


def _need_figures_write(need: Need) -> NeedProgress:
    """Store what is matched to and delivered for ``need``."""
    progress = need_progress(need)
    Need.objects.filter(pk=need.pk).update(
        quantity_matched=progress.matched, quantity_delivered=progress.delivered
    )
    return progress


def _need_status_sync(need: Need, actor) -> None:
    """Open, partly met or met, from what is matched and delivered (a paused or closed need
    keeps its status; its figures still follow)."""
    progress = _need_figures_write(need)
    if need.status not in (*NEED_MATCHABLE, Need.Status.MET):
        return
    need.quantity_matched = progress.matched
    target = need.status_from_figures()
    transition_apply(
        instance=need,
        workflow=NEED_WORKFLOW,
        target=target,
        actor=actor,
        note=_("Matched %(matched)s and delivered %(delivered)s of %(quantity)s")
        % {
            "matched": progress.matched,
            "delivered": progress.delivered,
            "quantity": need.quantity,
        },
    )


def _needs_sync(need_ids, actor=None) -> None:
    """Bring the figures and status of these needs up to date (locked in id order)."""
    for need in Need.objects.select_for_update().filter(pk__in=need_ids).order_by("pk"):
        _need_status_sync(need, actor)


def _needs_sync_for_delivery(shipment: Shipment, actor) -> None:
    """A delivered shipment fills the needs its reserved units and offered lots were for."""
    lines = ShipmentLine.objects.filter(shipment=shipment, released_at=None)
    need_ids = set(
        MatchAllocation.objects.filter(line__in=lines).values_list("match__need_id", flat=True)
    ) | set(
        lines.filter(lot__offer__need__city_id=shipment.city_id).values_list(
            "lot__offer__need_id", flat=True
        )
    )
    _needs_sync(need_ids, actor)


def need_match_release(
    *, match: NeedMatch, actor, reason: str = "", status_sync: bool = True
) -> NeedMatch:
    """Give a confirmed match's reservation back to the lot (what went onto a shipment stays
    there). The need moves back towards open unless ``status_sync`` is off (it is closing)."""
    with transaction.atomic():
        # The need before its match (see LOCK_ORDER): closing a need locks it, then releases.
        need = Need.objects.select_for_update().get(pk=match.need_id)
        locked = NeedMatch.objects.select_for_update().get(pk=match.pk)
        if locked.status == NeedMatch.Status.RELEASED:
            return locked
        MaterialLot.objects.filter(pk=locked.lot_id).update(
            quantity_reserved=F("quantity_reserved") - (locked.quantity - locked.quantity_allocated)
        )
        locked.status = NeedMatch.Status.RELEASED
        locked.released_at = timezone.now()
        locked.release_reason = reason
        locked.save(update_fields=["status", "released_at", "release_reason"])
        if status_sync:
            _need_status_sync(need, actor)
        else:
            _need_figures_write(need)
    match.refresh_from_db()
    return match


def need_matches_release_all(*, need_id: int, actor, reason: str) -> int:
    """Release every confirmed match of a need (it is closing); returns how many."""
    matches = list(
        NeedMatch.objects.filter(need_id=need_id, status=NeedMatch.Status.CONFIRMED).order_by(
            "lot_id"
        )
    )
    for match in matches:
        need_match_release(match=match, actor=actor, reason=reason, status_sync=False)
    return len(matches)
