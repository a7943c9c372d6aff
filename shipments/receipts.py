"""The receipt loop: the request opened on delivery, the recipient's uploads, staff decisions,
reminders while a stage is overdue.

A recipient has no account. Every email carries a link signed with ``django.core.signing``
(a timestamped signature over the request id, its shipment id and the request's
``token_version``): it stops working after ``RECEIPT_LINK_MAX_AGE`` seconds, when it is altered,
when it is used for another request or shipment, and when staff raise ``token_version``.
Each reminder carries a fresh link, so a recipient who is chased can always answer.

Stages: the signed receipt is awaited while the request is ``sent``, the distribution report
while it is ``receipt_verified``. Each stage has its own due date and its own reminder count.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from donations.notifications import staff_notification_addresses
from partners.services import email_send_localised
from sfiec.exceptions import DomainError
from sfiec.outbox import outbox_enqueue
from sfiec.roles import Role
from sfiec.uploads import DOCUMENT_TYPES, EVIDENCE_TYPES, IMAGE_TYPES, MP4, CheckedUpload

from . import services as shipment_services
from .models import DistributionLine, ReceiptEvidence, ReceiptRequest, Shipment

logger = logging.getLogger(__name__)

Status = ReceiptRequest.Status
_SALT = "shipments.receipt"
# The stages in which the recipient owes an upload (and may be reminded).
WAITING = (Status.SENT, Status.RECEIPT_VERIFIED)
_VERIFY = {
    Status.RECEIPT_UPLOADED: Status.RECEIPT_VERIFIED,
    Status.REPORT_UPLOADED: Status.REPORT_VERIFIED,
}
_REJECT = {Status.RECEIPT_UPLOADED: Status.SENT, Status.REPORT_UPLOADED: Status.RECEIPT_VERIFIED}
_OPEN_FROM = (
    Shipment.Status.DELIVERED,
    Shipment.Status.RECEIPT_CONFIRMED,
    Shipment.Status.CLOSED,
)
STAFF_ROLES = (Role.LOGISTICS, Role.COORDINATOR, Role.MANAGER)
# The language spoken in a sister city, by country; used when a template in it exists.
CITY_LANGUAGES = {
    "IT": "it",
    "FR": "fr",
    "DE": "de",
    "ES": "es",
    "PT": "pt",
    "KR": "ko",
    "JP": "ja",
    "KH": "km",
    "TH": "th",
    "VN": "vi",
    "RU": "ru",
}


# --- links ----------------------------------------------------------------------------------


def receipt_token_make(request: ReceiptRequest) -> str:
    """A signed, timestamped token for this request of this shipment, in its current version."""
    return signing.dumps(
        [request.pk, request.shipment_id, request.token_version], salt=_SALT, compress=True
    )


def receipt_request_for_token(token: str) -> ReceiptRequest | None:
    """The request a token was made for, or None if it is altered, expired or superseded."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=settings.RECEIPT_LINK_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a subclass
        return None
    if not (
        isinstance(payload, list)
        and len(payload) == 3
        and all(type(value) is int for value in payload)
    ):
        return None
    request_id, shipment_id, version = payload
    return (
        ReceiptRequest.objects.select_related(
            "shipment", "shipment__city", "shipment__consignee", "contact"
        )
        .filter(pk=request_id, shipment_id=shipment_id, token_version=version)
        .first()
    )


def receipt_portal_url(request: ReceiptRequest) -> str:
    """The absolute portal link with a fresh token, as emails and printed forms carry it."""
    return settings.SITE_URL + reverse(
        "shipments:receipt-portal", kwargs={"token": receipt_token_make(request)}
    )


def shipment_trace_url(shipment: Shipment) -> str:
    """The absolute public trace page of a shipment, as QR codes carry it."""
    return settings.SITE_URL + reverse("shipments:trace", kwargs={"token": shipment.public_token})


# --- opening the loop ---------------------------------------------------------------------


def receipt_request_open_on_commit(*, shipment_id: int) -> None:
    """Open the receipt loop once the delivering transaction has committed.

    Through the transactional outbox: the task is recorded with the delivery itself, so a
    broker outage at that moment delays the email but cannot lose it.
    """
    outbox_enqueue("shipments.receipt_request_open", shipment_id)


def receipt_request_open(*, shipment: Shipment) -> ReceiptRequest | None:
    """Create the receipt request of a delivered shipment and email its link; idempotent.

    A shipment has at most one request: a second call returns the first and sends nothing.
    The request goes to the shipment's consignee contact, else the consignee's primary
    contact; with neither, nothing is created and staff are told (None is returned).
    """
    existing = ReceiptRequest.objects.filter(shipment=shipment).first()
    if existing is not None:
        return existing
    if shipment.status not in _OPEN_FROM:
        raise DomainError(_("A receipt is requested only once the shipment is delivered."))
    contact = shipment.consignee_contact or (
        shipment.consignee.contacts.order_by("-is_primary", "id").first()
    )
    if contact is None:
        logger.warning("shipment %s delivered, but its consignee has no contact", shipment)
        _enqueue_on_commit("receipt_staff_notify_task", shipment.pk, "no_contact")
        return None
    try:
        with transaction.atomic():
            request = ReceiptRequest.objects.create(
                shipment=shipment, contact=contact, due_on=_due(settings.RECEIPT_DUE_DAYS)
            )
            _enqueue_on_commit("receipt_recipient_notify_task", request.pk, "request")
    except IntegrityError:  # opened concurrently: the other call sent the email
        return ReceiptRequest.objects.get(shipment=shipment)
    return request


def receipt_link_resend(*, request: ReceiptRequest, actor, revoke: bool = False) -> ReceiptRequest:
    """Email the recipient a fresh link (a lost email, an expired link).

    With ``revoke`` every link sent before stops working (a forwarded or leaked email).
    """
    with transaction.atomic():
        locked = ReceiptRequest.objects.select_for_update().get(pk=request.pk)
        if revoke:
            locked.token_version += 1  # the row is locked: no lost update
            locked._change_reason = "links revoked"
            locked.save(update_fields=["token_version"])
        _enqueue_on_commit("receipt_recipient_notify_task", locked.pk, "request")
    logger.info("receipt link of %s sent again by %s (revoke=%s)", request.pk, actor, revoke)
    request.refresh_from_db()
    return request


def _due(days: int):
    return timezone.localdate() + timedelta(days=days)


def _stage_restart(request: ReceiptRequest, *, days: int) -> None:
    """A new stage is awaited: its own due date and reminder count."""
    ReceiptRequest.objects.filter(pk=request.pk).update(
        due_on=_due(days), reminders_sent=0, last_reminder_at=None, staff_alerted_at=None
    )


# --- the recipient's uploads ----------------------------------------------------------------


def receipt_upload(
    *,
    request: ReceiptRequest,
    files: list[CheckedUpload],
    note: str = "",
    distribution: list[dict] | None = None,
) -> ReceiptRequest:
    """Store the recipient's upload for the stage awaited and hand it to staff.

    While ``sent``: the signed and stamped receipt (at least one PDF or photo). While
    ``receipt_verified``: the distribution report, i.e. photos, video or PDF reports, notes and
    at least one ``{"institution", "quantity", "line"}`` row (``line`` a ShipmentLine of this
    shipment or None for the shipment as a whole). Files must have passed
    ``sfiec.uploads.upload_check``. Anything else is refused with a DomainError.
    """
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = ReceiptRequest.objects.select_for_update().get(pk=request.pk)
            if locked.status == Status.SENT:
                target = Status.RECEIPT_UPLOADED
                _receipt_files_check(files)
            elif locked.status == Status.RECEIPT_VERIFIED:
                target = Status.REPORT_UPLOADED
                _report_check(locked, files, distribution or [])
            else:
                raise DomainError(_("Nothing is awaited from you at the moment; thank you."))
            for upload in files:
                evidence = _evidence_store(
                    locked, upload, note=note, report=target != Status.RECEIPT_UPLOADED
                )
                stored.append(evidence.file.name)
            if target == Status.REPORT_UPLOADED:
                ReceiptRequest.objects.filter(pk=locked.pk).update(report_note=note)
                DistributionLine.objects.bulk_create(
                    DistributionLine(
                        request=locked,
                        line=row.get("line"),
                        institution=row["institution"].strip(),
                        quantity=row["quantity"],
                        note=(row.get("note") or "").strip(),
                    )
                    for row in distribution
                )
            shipment_services.receipt_request_transition(request=locked, target=target)
            _enqueue_on_commit("receipt_staff_notify_task", locked.shipment_id, "uploaded")
    except Exception:
        for name in stored:  # files are not transactional
            default_storage.delete(name)
        raise
    request.refresh_from_db()
    return request


def _receipt_files_check(files: list[CheckedUpload]) -> None:
    if not files:
        raise DomainError(_("Please attach the signed and stamped receipt (a photo or a PDF)."))
    if any(upload.content_type not in DOCUMENT_TYPES for upload in files):
        raise DomainError(_("The receipt must be a PDF or a photo (JPG or PNG)."))


def _report_check(request: ReceiptRequest, files: list[CheckedUpload], rows: list[dict]) -> None:
    if any(upload.content_type not in EVIDENCE_TYPES for upload in files):
        raise DomainError(_("Report files must be photos, videos (MP4) or PDF documents."))
    if not rows:
        raise DomainError(_("Please name at least one beneficiary institution and its quantity."))
    lines = {line.pk: line for line in request.shipment.lines.filter(released_at=None)}
    given: dict[int | None, int] = {}
    for row in rows:
        line = row.get("line")
        if not (row.get("institution") or "").strip() or (row.get("quantity") or 0) <= 0:
            raise DomainError(_("Each row needs an institution and a positive quantity."))
        if line is not None and line.pk not in lines:
            raise DomainError(_("A row names goods that are not in this shipment."))
        key = line.pk if line is not None else None
        given[key] = given.get(key, 0) + row["quantity"]
    for key, quantity in given.items():
        if key is not None and quantity > lines[key].quantity:
            raise DomainError(
                _("More of %(goods)s was given out (%(given)s) than was shipped (%(shipped)s).")
                % {
                    "goods": lines[key].lot.product,
                    "given": quantity,
                    "shipped": lines[key].quantity,
                }
            )
    if sum(given.values()) > sum(line.quantity for line in lines.values()):
        raise DomainError(_("More was given out than the shipment carried."))


def _evidence_store(request, upload: CheckedUpload, *, note: str, report: bool) -> ReceiptEvidence:
    if not report:
        kind = ReceiptEvidence.Kind.SIGNED_RECEIPT
    elif upload.content_type in IMAGE_TYPES:
        kind = ReceiptEvidence.Kind.PHOTO
    elif upload.content_type == MP4:
        kind = ReceiptEvidence.Kind.VIDEO
    else:
        kind = ReceiptEvidence.Kind.DISTRIBUTION_REPORT
    evidence = ReceiptEvidence(
        request=request,
        kind=kind,
        original_name=upload.original_name,
        sha256=upload.sha256,
        content_type=upload.content_type,
        size=upload.size,
        note=note,
    )
    content = upload.as_content_file()
    evidence.file.save(content.name, content, save=False)
    evidence.save()
    return evidence


# --- staff decisions ------------------------------------------------------------------------


def receipt_verify(*, request: ReceiptRequest, actor) -> ReceiptRequest:
    """Accept the upload awaiting a decision; the recipient is told.

    A verified receipt confirms the delivered shipment's receipt and opens the report stage;
    a verified report closes the loop.
    """
    with transaction.atomic():
        locked = ReceiptRequest.objects.select_for_update().get(pk=request.pk)
        target = _VERIFY.get(locked.status)
        if target is None:
            raise DomainError(_("There is no upload awaiting verification."))
        _pending_evidence(locked).update(verified_at=timezone.now(), verified_by=actor)
        shipment_services.receipt_request_transition(request=locked, target=target, actor=actor)
        if target == Status.RECEIPT_VERIFIED:
            _stage_restart(locked, days=settings.RECEIPT_REPORT_DUE_DAYS)
            shipment = Shipment.objects.get(pk=locked.shipment_id)
            if shipment.status == Shipment.Status.DELIVERED:
                shipment_services.shipment_transition(
                    shipment=shipment,
                    target=Shipment.Status.RECEIPT_CONFIRMED,
                    actor=actor,
                    note=_("Signed receipt verified"),
                )
        _enqueue_on_commit("receipt_recipient_notify_task", locked.pk, f"verified:{target}")
    request.refresh_from_db()
    return request


def receipt_reject(*, request: ReceiptRequest, actor, reason: str) -> ReceiptRequest:
    """Refuse the upload awaiting a decision, with a reason the recipient is emailed.

    The request returns to the stage before the upload, with a new due date and reminders.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = ReceiptRequest.objects.select_for_update().get(pk=request.pk)
        target = _REJECT.get(locked.status)
        if target is None:
            raise DomainError(_("There is no upload awaiting verification."))
        shipment_services.receipt_request_transition(
            request=locked, target=target, actor=actor, reason=reason
        )
        _pending_evidence(locked).update(rejected_reason=reason, verified_by=actor)
        if target == Status.RECEIPT_VERIFIED:
            # The rows of a refused report are sent again with the corrected report.
            locked.distribution_lines.all().delete()
        _stage_restart(
            locked,
            days=settings.RECEIPT_DUE_DAYS
            if target == Status.SENT
            else settings.RECEIPT_REPORT_DUE_DAYS,
        )
        _enqueue_on_commit("receipt_recipient_notify_task", locked.pk, "rejected")
    request.refresh_from_db()
    return request


def _pending_evidence(request: ReceiptRequest):
    return request.evidence.filter(verified_at=None, rejected_reason="")


def receipt_evidence_publish(
    *, evidence: ReceiptEvidence, actor, is_published: bool
) -> ReceiptEvidence:
    """Approve a verified photo for the public trace page, or withdraw the approval."""
    with transaction.atomic():
        locked = ReceiptEvidence.objects.select_for_update().get(pk=evidence.pk)
        if is_published and locked.kind != ReceiptEvidence.Kind.PHOTO:
            raise DomainError(_("Only photos can be published."))
        if is_published and locked.verified_at is None:
            raise DomainError(_("Only verified photos can be published."))
        locked.is_published = is_published
        locked.save(update_fields=["is_published"])
    logger.info("evidence %s published=%s by %s", evidence.pk, is_published, actor)
    evidence.refresh_from_db()
    return evidence


# --- reminders ------------------------------------------------------------------------------


def receipt_reminders_send() -> dict:
    """Remind recipients whose awaited stage is overdue; tell staff after the last reminder.

    Also opens the request of a shipment delivered in the last two days that has none (its
    opening task was lost).

    At most ``RECEIPT_REMINDER_MAX`` reminders per stage, ``RECEIPT_REMINDER_INTERVAL_DAYS``
    apart; staff are told once when that interval has passed after the last one. Safe to run
    as often as wanted and from two processes at once: each reminder is claimed by a
    conditional update before it is sent.
    """
    now = timezone.now()
    opened = _missed_requests_open(since=now - timedelta(days=2))
    interval_ago = now - timedelta(days=settings.RECEIPT_REMINDER_INTERVAL_DAYS)
    overdue = ReceiptRequest.objects.filter(status__in=WAITING, due_on__lt=timezone.localdate())
    reminders = alerts = 0
    due_reminder = overdue.filter(reminders_sent__lt=settings.RECEIPT_REMINDER_MAX).filter(
        Q(last_reminder_at=None) | Q(last_reminder_at__lte=interval_ago)
    )
    for request in due_reminder.only("pk", "reminders_sent", "status"):
        claimed = ReceiptRequest.objects.filter(
            pk=request.pk, reminders_sent=request.reminders_sent, status=request.status
        ).update(reminders_sent=F("reminders_sent") + 1, last_reminder_at=now)
        if claimed:
            _enqueue_on_commit("receipt_recipient_notify_task", request.pk, "reminder")
            reminders += 1
    unanswered = overdue.filter(
        reminders_sent__gte=settings.RECEIPT_REMINDER_MAX,
        last_reminder_at__lte=interval_ago,
        staff_alerted_at=None,
    )
    for request in unanswered.only("pk", "shipment_id"):
        if ReceiptRequest.objects.filter(pk=request.pk, staff_alerted_at=None).update(
            staff_alerted_at=now
        ):
            _enqueue_on_commit("receipt_staff_notify_task", request.shipment_id, "overdue")
            alerts += 1
    return {"opened": opened, "reminders": reminders, "staff_alerts": alerts}


def _missed_requests_open(*, since) -> int:
    """Open the request of a shipment delivered lately whose opening task was lost (a worker
    died between the commit and the task). Shipments with no contact to ask are left alone:
    staff were told when they were delivered."""
    missed = (
        Shipment.objects.filter(
            status=Shipment.Status.DELIVERED,
            receipt_request__isnull=True,
            events__status=Shipment.Status.DELIVERED,
            events__recorded_at__gte=since,
        )
        .filter(Q(consignee_contact__isnull=False) | Q(consignee__contacts__isnull=False))
        .distinct()
    )
    opened = 0
    for shipment in missed:
        if receipt_request_open(shipment=shipment) is not None:
            opened += 1
    return opened


# --- emails (called by the tasks, after commit) ---------------------------------------------


_TASK_NAMES = {
    "receipt_recipient_notify_task": "shipments.receipt_recipient_notify",
    "receipt_staff_notify_task": "shipments.receipt_staff_notify",
}


def _enqueue_on_commit(task_name: str, *args) -> None:
    """Record the task with the current transaction; it is published once that commits."""
    outbox_enqueue(_TASK_NAMES[task_name], *args)


def email_choice(*, template: str, contact, city) -> tuple[str, str]:
    """(template, language) for an email to ``contact`` in ``city``.

    Chinese for a contact who reads Chinese; otherwise the city's own language when the
    template exists in it (``emails/<language>/<template>.txt``); otherwise English.
    """
    if contact.language == "zh-hans":
        return template, "zh-hans"
    local = CITY_LANGUAGES.get(city.country)
    if local:
        try:
            get_template(f"emails/{local}/{template}.txt")
        except TemplateDoesNotExist:
            pass
        else:
            return f"{local}/{template}", local
    return template, "en"


def receipt_recipient_notify(*, request_id: int, kind: str) -> None:
    """Email the recipient contact: the request, a reminder, a verification or a rejection."""
    request = ReceiptRequest.objects.select_related(
        "shipment", "shipment__city", "shipment__consignee", "contact"
    ).get(pk=request_id)
    template = {"request": "receipt_request", "reminder": "receipt_reminder"}.get(
        kind, "receipt_decided"
    )
    template, language = email_choice(
        template=template, contact=request.contact, city=request.shipment.city
    )
    email_send_localised(
        to=[request.contact.email],
        language=language,
        template=template,
        context={
            "request": request,
            "shipment": request.shipment,
            "contact": request.contact,
            "link": receipt_portal_url(request),
            "days": settings.RECEIPT_LINK_MAX_AGE // 86400,
            "kind": kind,
            "rejected": kind == "rejected",
            "report_awaited": request.status == Status.RECEIPT_VERIFIED,
            "lines": list(request.shipment.lines.filter(released_at=None).select_related("lot")),
        },
    )


def receipt_staff_notify(*, shipment_id: int, kind: str) -> None:
    """Tell logistics, coordinators and managers: an upload awaits them, a request is
    unanswered after the last reminder, or a delivered shipment has no contact to ask."""
    shipment = Shipment.objects.select_related("city", "consignee").get(pk=shipment_id)
    request = ReceiptRequest.objects.filter(shipment=shipment).select_related("contact").first()
    email_send_localised(
        to=staff_notification_addresses(roles=STAFF_ROLES),
        language=settings.LANGUAGE_CODE,
        template="receipt_staff",
        context={
            "shipment": shipment,
            "request": request,
            "kind": kind,
            "reminders": settings.RECEIPT_REMINDER_MAX,
            "url": settings.SITE_URL
            + reverse("shipments:receipt-detail", kwargs={"reference": shipment.reference}),
        },
    )
