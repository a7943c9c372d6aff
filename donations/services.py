"""Every state change of needs, offers and lots. Views, serializers and tasks call these."""

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sfiec.choices import AttachmentKind
from sfiec.exceptions import DomainError
from sfiec.outbox import outbox_enqueue
from sfiec.references import reference_next
from sfiec.roles import user_may
from sfiec.uploads import CheckedUpload
from sfiec.workflow import transition_apply

from .models import Attachment, DonationOffer, MaterialLot, Need
from .signals import lot_facts_changed_announce, lots_received_announce, need_closing
from .workflows import LOT_WORKFLOW, NEED_WORKFLOW, OFFER_WORKFLOW

LOT_FIELDS = (
    "category",
    "product",
    "manufacturer",
    "standard",
    "batch_number",
    "unit",
    "quantity_offered",
    "cartons",
    "units_per_carton",
    "gross_weight_kg",
    "net_weight_kg",
    "volume_m3",
    "manufactured_on",
    "expires_on",
    "unit_value",
    "currency",
    "hs_code",
    "is_manufacturer_whitelisted",
    "preferred_city",
)


def offer_create(
    *,
    donor,
    lots: Iterable[dict],
    contact=None,
    preferred_city=None,
    need=None,
    notes: str = "",
    submitted_by=None,
    submission_key: str | None = None,
    submission_scope: str = "",
) -> DonationOffer:
    """Create a submitted offer with its pledged lots, all or nothing.

    With a ``submission_key`` the call is idempotent for its submitter (``submission_scope``,
    see ``submission_scope_of``): the same key with the same offer returns the offer made by
    the first call and creates nothing; the same key with a different offer is refused
    (DomainError, which names nothing of the earlier offer). Other submitters' keys never meet.
    """
    lots = list(lots)
    if not lots:
        raise DomainError(_("An offer needs at least one lot."))
    offers_paused_check(need=need, city=preferred_city)
    digest = _submission_digest(lots=lots, preferred_city=preferred_city, notes=notes)
    if submission_key:
        existing = _offer_for_key(scope=submission_scope, key=submission_key, digest=digest)
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            return _offer_insert(
                donor=donor,
                lots=lots,
                contact=contact,
                preferred_city=preferred_city,
                need=need,
                notes=notes,
                submitted_by=submitted_by,
                submission_key=submission_key,
                submission_scope=submission_scope,
                submission_digest=digest,
            )
    except IntegrityError:
        # Two submits with one key raced past the lookup; the first one's offer stands.
        if submission_key:
            existing = _offer_for_key(scope=submission_scope, key=submission_key, digest=digest)
            if existing is not None:
                return existing
        raise


def submission_scope_of(*, user=None, contact_email: str = "") -> str:
    """Who an idempotency key belongs to: a partner's organisation, else the contact's email."""
    membership = getattr(user, "partner_membership", None) if user else None
    if membership is not None:
        return f"org:{membership.organisation_id}"
    return f"email:{contact_email.strip().lower()}"


def _submission_digest(*, lots, preferred_city, notes) -> str:
    """A fingerprint of what was offered, to tell a retry from another offer under one key."""
    payload = {
        "lots": [{name: str(value) for name, value in sorted(lot.items())} for lot in lots],
        "city": getattr(preferred_city, "pk", preferred_city),
        "notes": notes,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _offer_for_key(*, scope: str, key: str, digest: str) -> DonationOffer | None:
    existing = DonationOffer.objects.filter(submission_scope=scope, submission_key=key).first()
    if existing is not None and existing.submission_digest and existing.submission_digest != digest:
        raise DomainError(
            _("This submission key was already used for a different offer; use a new key.")
        )
    return existing


def _offer_insert(
    *,
    donor,
    lots,
    contact,
    preferred_city,
    need,
    notes,
    submitted_by,
    submission_key,
    submission_scope,
    submission_digest,
):
    offer = DonationOffer(
        reference=reference_next(prefix="OFF", digits=5),
        donor=donor,
        contact=contact,
        preferred_city=preferred_city,
        need=need,
        notes=notes,
        submitted_by=submitted_by if getattr(submitted_by, "is_authenticated", False) else None,
        submission_key=submission_key or None,
        submission_scope=submission_scope if submission_key else "",
        submission_digest=submission_digest if submission_key else "",
    )
    offer.full_clean()
    offer.save()
    for values in lots:
        lot_add(offer=offer, **values)
    return offer


def lot_add(*, offer: DonationOffer, **values) -> MaterialLot:
    """Add one pledged lot to an offer that is still open for changes."""
    unknown = set(values) - set(LOT_FIELDS)
    if unknown:
        raise DomainError(_("Unknown lot fields: %s") % ", ".join(sorted(unknown)))
    if offer.status not in ("submitted", "under_review"):
        raise DomainError(_("Lots can only be added to an offer that has not been decided."))
    values.setdefault("preferred_city", offer.preferred_city)
    lot = MaterialLot(offer=offer, reference=reference_next(prefix="LOT", digits=5), **values)
    lot.full_clean()
    lot.save()
    return lot


def lot_update(*, lot: MaterialLot, actor, **values) -> MaterialLot:
    """Correct a lot's details; its compliance checks go stale and are run again."""
    unknown = set(values) - set(LOT_FIELDS)
    if unknown:
        raise DomainError(_("Unknown lot fields: %s") % ", ".join(sorted(unknown)))
    with transaction.atomic():
        locked = MaterialLot.objects.locked().get(pk=lot.pk)
        if locked.status == MaterialLot.Status.REJECTED:
            raise DomainError(_("A rejected lot cannot be changed."))
        if "quantity_offered" in values and values["quantity_offered"] < locked.quantity_received:
            raise DomainError(_("The offered quantity cannot be less than what was received."))
        for name, value in values.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked._change_reason = "details corrected"
        locked.save()
        lot_facts_changed_announce(locked.pk)
    lot.refresh_from_db()
    return lot


def offer_start_review(*, offer: DonationOffer, actor) -> DonationOffer:
    """A staff member takes a submitted offer into review."""
    return transition_apply(
        instance=offer, workflow=OFFER_WORKFLOW, target="under_review", actor=actor
    )


def offer_accept(*, offer: DonationOffer, actor, reason: str = "") -> DonationOffer:
    """Accept an offer under review; its lots stay pledged until they are received."""
    return _offer_decide(offer=offer, actor=actor, target="accepted", reason=reason)


def offer_decline(*, offer: DonationOffer, actor, reason: str) -> DonationOffer:
    """Decline an offer under review with a reason the partner will see."""
    if not reason.strip():
        raise DomainError(_("Declining an offer needs a reason; the partner will see it."))
    return _offer_decide(offer=offer, actor=actor, target="declined", reason=reason)


def _offer_decide(*, offer, actor, target, reason):
    def record_decision(locked):
        locked.decision_reason = reason.strip()
        locked.decided_by = actor
        locked.decided_at = timezone.now()

    with transaction.atomic():
        offer = transition_apply(
            instance=offer,
            workflow=OFFER_WORKFLOW,
            target=target,
            actor=actor,
            note=reason,
            apply=record_decision,
        )
        _enqueue_on_commit("offer_decision_notify_task", offer.pk)
    return offer


def offer_withdraw(*, offer: DonationOffer, actor, reason: str = "") -> DonationOffer:
    """The partner withdraws an offer that has not been decided yet."""
    return transition_apply(
        instance=offer, workflow=OFFER_WORKFLOW, target="withdrawn", actor=actor, note=reason
    )


def _lot_receive(
    *,
    lot: MaterialLot,
    actor,
    quantity_received: int,
    is_quarantined: bool = False,
    note: str = "",
) -> MaterialLot:
    """The receiving half of ``lot_intake``, which every door calls (it also queues the checks).

    Only an accepted offer's lots can be received, and never more than was offered.
    """
    if lot.offer.status != DonationOffer.Status.ACCEPTED:
        raise DomainError(_("Only lots of an accepted offer can be received."))
    if quantity_received <= 0:
        raise DomainError(_("The received quantity must be positive; reject the lot instead."))
    _quarantine_reason_check(is_quarantined=is_quarantined, note=note)
    if quantity_received > lot.quantity_offered:
        raise DomainError(
            _("Received quantity %(received)s is more than the %(offered)s offered.")
            % {"received": quantity_received, "offered": lot.quantity_offered}
        )

    def record_intake(locked):
        locked.quantity_received = quantity_received
        locked.is_quarantined = is_quarantined
        locked.inspection_note = note
        locked.received_at = timezone.now()
        locked.received_by = actor

    return transition_apply(
        instance=lot,
        workflow=LOT_WORKFLOW,
        target="received",
        actor=actor,
        note=note,
        apply=record_intake,
    )


def _quarantine_reason_check(*, is_quarantined: bool, note: str) -> None:
    """Quarantine needs its reason, whichever door it comes through (a 400 in the API)."""
    if is_quarantined and not (note or "").strip():
        raise ValidationError({"note": [_("Quarantining a lot needs a reason.")]})


def _lot_reject(*, lot: MaterialLot, actor, reason: str) -> MaterialLot:
    """The rejecting half of ``lot_intake``: reject a pledged lot at inspection, with a reason."""
    if not reason.strip():
        raise DomainError(_("Rejecting a lot needs a reason."))

    def record_rejection(locked):
        locked.inspection_note = reason
        locked.received_by = actor
        locked.received_at = timezone.now()

    return transition_apply(
        instance=lot,
        workflow=LOT_WORKFLOW,
        target="rejected",
        actor=actor,
        note=reason,
        apply=record_rejection,
    )


def lot_set_quarantine(*, lot: MaterialLot, actor, is_quarantined: bool, note: str) -> MaterialLot:
    """Put a received lot into quarantine or release it; quarantined goods cannot be allocated."""
    _quarantine_reason_check(is_quarantined=is_quarantined, note=note)
    with transaction.atomic():
        locked = MaterialLot.objects.locked().get(pk=lot.pk)
        if locked.status != MaterialLot.Status.RECEIVED:
            raise DomainError(_("Only a received lot can be quarantined or released."))
        if is_quarantined and locked.quantity_allocated:
            raise DomainError(
                _("This lot is allocated to a shipment; remove the allocation first.")
            )
        locked.is_quarantined = is_quarantined
        locked.inspection_note = note
        locked._change_reason = note
        locked.save(update_fields=["is_quarantined", "inspection_note", "updated_at"])
    lot.refresh_from_db()
    return lot


def offer_public_naming_set(*, offer: DonationOffer, actor, is_named: bool) -> DonationOffer:
    """Record the donor's own choice whether public pages (the trace page) may name it."""
    with transaction.atomic():
        locked = DonationOffer.objects.select_for_update().get(pk=offer.pk)
        locked.is_donor_named_publicly = is_named
        locked._change_reason = "donor may be named" if is_named else "donor stays anonymous"
        locked.save(update_fields=["is_donor_named_publicly", "updated_at"])
    offer.refresh_from_db()
    return offer


def offer_donor_link(*, offer: DonationOffer, organisation, actor) -> DonationOffer:
    """Staff: the pending donor of an anonymous offer is in fact ``organisation``.

    Every offer of the pending organisation moves to the known one, with its contacts (see
    ``partners.services.organisation_pending_merge``); from then on the partner sees them.
    """
    from partners.services import organisation_pending_merge

    with transaction.atomic():
        contacts = organisation_pending_merge(pending=offer.donor, into=organisation, actor=actor)
        moved = DonationOffer.objects.select_for_update().filter(donor_id=offer.donor_id)
        for each in moved:
            each.donor = organisation
            if each.contact_id in contacts:
                each.contact = contacts[each.contact_id]
            each._change_reason = "donor linked to a known organisation"
            each.save(update_fields=["donor", "contact", "updated_at"])
    offer.refresh_from_db()
    return offer


def offer_donor_confirm(*, offer: DonationOffer, actor) -> DonationOffer:
    """Staff: the pending donor of an anonymous offer is a new organisation; confirm it."""
    from partners.services import organisation_pending_confirm

    organisation_pending_confirm(organisation=offer.donor, actor=actor)
    offer.refresh_from_db()
    return offer


NEED_FIELDS = ("category", "description", "quantity", "needed_by", "priority", "notes")
# Needs partners may see on the board and offer against.
NEED_OPEN_STATUSES = (Need.Status.OPEN, Need.Status.PARTLY_MET)


def need_create(
    *, recipient, city, actor=None, accepted_standards=(), link_nonce=None, **values
) -> Need:
    """Record what a recipient in a sister city needs (staff on its behalf, or its contact
    through a signed link, whose one-use ``link_nonce`` the need keeps)."""
    unknown = set(values) - set(NEED_FIELDS)
    if unknown:
        raise DomainError(_("Unknown need fields: %s") % ", ".join(sorted(unknown)))
    if recipient.city_id and recipient.city_id != city.pk:
        raise DomainError(_("The recipient is in another sister city."))
    with transaction.atomic():
        need = Need(recipient=recipient, city=city, link_nonce=link_nonce, **values)
        need.full_clean()
        need._change_reason = _("Recorded")
        need.save()
        need.accepted_standards.set(accepted_standards)
    return need


def need_update(*, need: Need, actor=None, accepted_standards=None, **values) -> Need:
    """Correct a need's details (not its status by hand: see ``need_transition``).

    A new quantity moves an open, partly met or met need to the status its matched units give
    (a met need asked for more is partly met again). The category cannot change while units
    are matched to the need: they are of the old category.
    """
    unknown = set(values) - set(NEED_FIELDS)
    if unknown:
        raise DomainError(_("Unknown need fields: %s") % ", ".join(sorted(unknown)))
    with transaction.atomic():
        locked = Need.objects.select_for_update().get(pk=need.pk)
        if locked.status == Need.Status.CLOSED:
            raise DomainError(_("A closed need cannot be changed."))
        if values.get("category", locked.category) != locked.category and locked.quantity_matched:
            raise DomainError(
                _(
                    "%(matched)s units of the need's category are already matched to it; its "
                    "category cannot change. Release the matches or record a new need."
                )
                % {"matched": locked.quantity_matched}
            )
        for name, value in values.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save()
        if accepted_standards is not None:
            locked.accepted_standards.set(accepted_standards)
        if locked.status in (*NEED_OPEN_STATUSES, Need.Status.MET):
            transition_apply(
                instance=locked,
                workflow=NEED_WORKFLOW,
                target=locked.status_from_figures(),
                actor=actor,
                note=_("Quantity corrected to %(quantity)s") % {"quantity": locked.quantity},
            )
    need.refresh_from_db()
    return need


# What staff move by hand: pause, resume (asked as "open") and close. Open, partly met and met
# follow the matches and deliveries (shipments' services).
NEED_HAND_TARGETS = (Need.Status.OPEN, Need.Status.PAUSED, Need.Status.CLOSED)


def need_transition(*, need: Need, actor, target: str, note: str = "") -> Need:
    """Pause, resume or close a need.

    Resuming (``target`` open) lands on open, partly met or met, whichever its matched units
    say. Closing sends ``need_closing`` inside the transaction: shipments releases the need's
    reservations in the same commit.
    """
    if target not in NEED_HAND_TARGETS:
        raise DomainError(
            _(
                "Open, partly met and met follow the confirmed matches and deliveries; a need "
                "can only be paused, resumed or closed by hand."
            )
        )
    if target == Need.Status.OPEN:
        # Never open by hand what its matched units say is partly met or met.
        current = Need.objects.get(pk=need.pk)
        if current.status in (*NEED_OPEN_STATUSES, Need.Status.MET, Need.Status.PAUSED):
            target = current.status_from_figures()

    def apply(locked: Need) -> None:
        if target == Need.Status.CLOSED:
            need_closing.send(sender=Need, need_id=locked.pk, actor=actor)

    return transition_apply(
        instance=need, workflow=NEED_WORKFLOW, target=target, actor=actor, note=note, apply=apply
    )


def offers_paused_check(*, need=None, city=None) -> None:
    """Refuse a new offer against a paused or closed need, or for a city whose offers are paused.

    Every door (the form, the import, the API) submits through ``offer_create``, which asks this.
    """
    if need is not None:
        if need.city.offers_paused:
            raise DomainError(
                _(
                    "%(city)s is not taking new offers at the moment; please check the needs board "
                    "later."
                )
                % {"city": need.city.name}
            )
        if need.status not in NEED_OPEN_STATUSES:
            raise DomainError(
                _("This need is %(status)s and takes no new offers.")
                % {"status": need.get_status_display()}
            )
    if city is not None and city.offers_paused:
        raise DomainError(
            _(
                "%(city)s is not taking new offers at the moment; please check the needs board "
                "later."
            )
            % {"city": city.name}
        )


def _enqueue_on_commit(task_name: str, *args) -> None:
    """Queue a donations task through the outbox: kept with the change, sent after commit."""
    outbox_enqueue(f"donations.tasks.{task_name}", *args)


def attachment_add(*, lot: MaterialLot, kind: str, upload: CheckedUpload, actor=None) -> Attachment:
    """Store a file that passed ``sfiec.uploads.upload_check`` on a lot.

    The same content of the same kind is stored once, so a resubmitted form adds nothing. The
    file is written under a server-made name; if the surrounding transaction fails the caller
    removes it (see ``_stored_files_removed_on_error``).
    """
    existing = lot.attachments.filter(kind=kind, sha256=upload.sha256).first()
    if existing is not None:
        return existing
    attachment = Attachment(
        lot=lot,
        kind=kind,
        original_name=upload.original_name,
        sha256=upload.sha256,
        content_type=upload.content_type,
        size=upload.size,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    content = upload.as_content_file()
    attachment.file.save(content.name, content, save=False)
    try:
        attachment.full_clean()
        attachment.save()
    except Exception:
        default_storage.delete(attachment.file.name)
        raise
    # A new certificate can change the verdict: the lot's checks must be run again.
    lot_facts_changed_announce(lot.pk)
    return attachment


def lot_attachments_can_edit(*, lot: MaterialLot, user) -> bool:
    """Staff who may ``attachment.upload``, at any time; the owning partner while the offer is
    undecided."""
    if user_may(user, "attachment.upload"):
        return True
    membership = getattr(user, "partner_membership", None)
    return (
        membership is not None
        and membership.organisation_id == lot.offer.donor_id
        and lot.offer.status in (DonationOffer.Status.SUBMITTED, DonationOffer.Status.UNDER_REVIEW)
    )


def lot_attachments_add(
    *,
    lot: MaterialLot,
    actor,
    kind: str,
    uploads: list[CheckedUpload],
    replace: bool = False,
) -> list[Attachment]:
    """Add documents of one kind to a lot, whatever door the lot came through.

    ``uploads`` passed ``sfiec.uploads.upload_check``. With ``replace`` the lot's earlier files
    of that kind go (their stored files are deleted after commit). The owning partner may do
    this while the offer is undecided, staff who handle lots at any time (DomainError
    otherwise). The lot's compliance checks are marked stale and run again after commit.
    """
    if kind not in AttachmentKind.values:
        raise DomainError(_("Unknown document kind."))
    if not uploads:
        raise DomainError(_("Choose at least one file."))
    with transaction.atomic(), _stored_files_removed_on_error() as stored:
        locked = MaterialLot.objects.locked().select_related("offer").get(pk=lot.pk)
        if not lot_attachments_can_edit(lot=locked, user=actor):
            raise DomainError(
                _("Documents can be added by the partner only while the offer is undecided.")
            )
        removed: list[str] = []
        if replace:
            old = list(locked.attachments.filter(kind=kind))
            removed = [attachment.file.name for attachment in old]
            Attachment.objects.filter(pk__in=[attachment.pk for attachment in old]).delete()
        added = []
        existing = set(locked.attachments.values_list("pk", flat=True))
        for upload in uploads:
            attachment = attachment_add(lot=locked, kind=kind, upload=upload, actor=actor)
            if attachment.pk not in existing:
                stored.names.append(attachment.file.name)
            added.append(attachment)
        kept = {attachment.file.name for attachment in added}
        for name in removed:
            if name not in kept:
                transaction.on_commit(lambda name=name: default_storage.delete(name))
        if replace and removed:
            # Removing a document changes the facts too, even when nothing new was stored.
            lot_facts_changed_announce(locked.pk)
    return added


class _stored_files_removed_on_error:
    """Files are not transactional: forget what was written if the transaction fails."""

    def __init__(self):
        self.names: list[str] = []

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            for name in self.names:
                default_storage.delete(name)
        return False


def offer_submit(
    *,
    user=None,
    donor: dict,
    lots: list[dict],
    preferred_city=None,
    need=None,
    notes: str = "",
    submission_key: str | None = None,
) -> tuple[DonationOffer, bool]:
    """Submit an offer from the public form or an import: donor, lots and files, all or nothing.

    ``donor`` holds the arguments of ``partners.services.donor_for_submission``; each item of
    ``lots`` is ``{"values": {lot fields}, "attachments": [(kind, CheckedUpload), ...]}``.
    Returns ``(offer, created)``: with a ``submission_key`` already used, the earlier offer and
    False, and nothing is written. On success the contact and staff are emailed after commit.
    """
    from partners.services import donor_for_submission

    if not lots:
        raise DomainError(_("An offer needs at least one lot."))
    scope = submission_scope_of(user=user, contact_email=donor.get("contact_email", ""))
    if submission_key:
        digest = _submission_digest(
            lots=[item["values"] for item in lots], preferred_city=preferred_city, notes=notes
        )
        existing = _offer_for_key(scope=scope, key=submission_key, digest=digest)
        if existing is not None:
            return existing, False
    with _stored_files_removed_on_error() as stored, transaction.atomic():
        organisation, contact = donor_for_submission(user=user, **donor)
        offer = offer_create(
            donor=organisation,
            contact=contact,
            lots=[item["values"] for item in lots],
            preferred_city=preferred_city,
            need=need,
            notes=notes,
            submitted_by=user,
            submission_key=submission_key,
            submission_scope=scope,
        )
        for lot, item in zip(offer.lots.order_by("id"), lots, strict=True):
            for kind, upload in item.get("attachments", ()):
                attachment = attachment_add(lot=lot, kind=kind, upload=upload, actor=user)
                stored.names.append(attachment.file.name)
        _enqueue_on_commit("offer_submitted_notify_task", offer.pk)
    return offer, True


def offer_decide(*, offer: DonationOffer, actor, accept: bool, reason: str = "") -> DonationOffer:
    """Accept or decline in one step from the review page, taking a submitted offer into review.

    The partner is emailed the decision and its reason.
    """
    with transaction.atomic():
        if offer.status == DonationOffer.Status.SUBMITTED:
            offer_start_review(offer=offer, actor=actor)
        if accept:
            return offer_accept(offer=offer, actor=actor, reason=reason)
        return offer_decline(offer=offer, actor=actor, reason=reason)


class InspectionResult:
    ACCEPTED = "accepted"
    QUARANTINED = "quarantined"
    REJECTED = "rejected"
    ALL = (ACCEPTED, QUARANTINED, REJECTED)


def lot_intake(
    *,
    lot: MaterialLot,
    actor,
    result: str,
    quantity_received: int = 0,
    note: str = "",
    photos: list[CheckedUpload] = (),
) -> MaterialLot:
    """Record a lot's arrival and inspection: accepted, quarantined or rejected (with a reason).

    Photos are stored with the lot. A received lot (accepted or quarantined) gets its compliance
    checks enqueued after commit.
    """
    if result not in InspectionResult.ALL:
        raise DomainError(_("Unknown inspection result."))
    with _stored_files_removed_on_error() as stored, transaction.atomic():
        if result == InspectionResult.REJECTED:
            lot = _lot_reject(lot=lot, actor=actor, reason=note)
        else:
            lot = _lot_receive(
                lot=lot,
                actor=actor,
                quantity_received=quantity_received,
                is_quarantined=result == InspectionResult.QUARANTINED,
                note=note,
            )
        for photo in photos:
            attachment = attachment_add(
                lot=lot, kind=AttachmentKind.PHOTO, upload=photo, actor=actor
            )
            stored.names.append(attachment.file.name)
        if result != InspectionResult.REJECTED:
            lots_received_announce([lot.pk])
    return lot


def lot_attachment_upload(
    *, lot: MaterialLot, kind: str, upload: CheckedUpload, actor
) -> Attachment:
    """Add a file to a lot from the API: staff any time, the partner while the offer is open."""
    from sfiec.roles import user_is_staff_member

    if not user_is_staff_member(actor) and lot.offer.status not in (
        DonationOffer.Status.SUBMITTED,
        DonationOffer.Status.UNDER_REVIEW,
    ):
        raise DomainError(_("Files can be added only while the offer is being reviewed."))
    with _stored_files_removed_on_error() as stored, transaction.atomic():
        attachment = attachment_add(lot=lot, kind=kind, upload=upload, actor=actor)
        stored.names.append(attachment.file.name)
    return attachment


# --- spreadsheet import: preview, then confirm ---------------------------------------------


class ImportPreviewExpired(DomainError):
    """No preview is waiting under this token for this user (expired, confirmed, or not theirs)."""


@dataclass(frozen=True)
class ImportPreview:
    """A checked spreadsheet: its rows, the lot values of the valid ones and every row error."""

    rows: list
    lots: list[dict]
    errors: list
    seconds: float

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})


def _import_key(token: str) -> str:
    return f"offer-import:{token}"


def offer_import_preview(
    *,
    spreadsheet,
    token: str,
    donor: dict,
    preferred_city=None,
    notes: str = "",
    user=None,
) -> ImportPreview:
    """Read and check every row of a spreadsheet; nothing is saved.

    If every row is valid, the raw rows wait (``OFFER_IMPORT_PREVIEW_SECONDS``) under ``token``
    for ``offer_import_confirm`` by the same user; they are checked again then. Raises
    ValidationError if the file cannot be read as the template.
    """
    from . import imports  # imports → forms → services: imported late to avoid a cycle

    started = time.monotonic()
    rows = imports.rows_read(spreadsheet)
    lots, errors = imports.rows_check(rows)
    if not errors:
        cache.set(
            _import_key(token),
            {
                "rows": rows,
                "donor": donor,
                "city": getattr(preferred_city, "pk", None),
                "notes": notes,
                "user": _user_pk(user),
            },
            timeout=settings.OFFER_IMPORT_PREVIEW_SECONDS,
        )
    return ImportPreview(
        rows=rows, lots=lots, errors=errors, seconds=round(time.monotonic() - started, 2)
    )


def offer_import_confirm(*, token: str, user=None) -> DonationOffer:
    """Submit the offer of a preview that ``user`` made under ``token``, all rows or none.

    Raises ImportPreviewExpired if no such preview waits, DomainError if its rows are no longer
    valid (say a standard was removed meanwhile).
    """
    from partners.models import SisterCity

    from . import imports

    pending = cache.get(_import_key(token)) if token else None
    if pending is None or pending["user"] != _user_pk(user):
        raise ImportPreviewExpired(
            _("This preview has expired; please upload the spreadsheet again.")
        )
    lots, errors = imports.rows_check([tuple(row) for row in pending["rows"]])
    if errors:
        raise DomainError(_("The rows are no longer valid; please upload them again."))
    offer, _created = offer_submit(
        user=user,
        donor=pending["donor"],
        lots=[{"values": values} for values in lots],
        preferred_city=SisterCity.objects.filter(pk=pending["city"]).first(),
        notes=pending["notes"],
        submission_key=token,
    )
    cache.delete(_import_key(token))
    return offer


def _user_pk(user):
    return user.pk if getattr(user, "is_authenticated", False) else None
