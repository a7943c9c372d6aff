import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from sfiec.choices import CURRENCIES, choice_values


class ShipmentStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    READY = "ready", _("ready")
    BOOKED = "booked", _("booked")
    IN_TRANSIT = "in_transit", _("in transit")
    ARRIVED = "arrived", _("arrived")
    DELIVERED = "delivered", _("delivered")
    RECEIPT_CONFIRMED = "receipt_confirmed", _("receipt confirmed")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")


def public_token_new() -> str:
    return secrets.token_urlsafe(16)


class FreightPayer(models.TextChoices):
    FOUNDATION = "foundation", _("the foundation")
    DONOR = "donor", _("the donor")
    RECIPIENT = "recipient", _("the recipient")
    CARRIER = "carrier", _("the carrier (free of charge)")
    OTHER = "other", _("another sponsor")


class Shipment(models.Model):
    Status = ShipmentStatus
    FreightPayer = FreightPayer

    class Mode(models.TextChoices):
        AIR = "air", _("air freight")
        SEA = "sea", _("sea freight")
        RAIL = "rail", _("rail freight")
        ROAD = "road", _("road freight")
        EXPRESS = "express", _("express courier")

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    city = models.ForeignKey(
        "partners.SisterCity", on_delete=models.PROTECT, related_name="shipments"
    )
    consignee = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        related_name="shipments_received",
        help_text=_("The recipient organisation named on the customs papers."),
    )
    consignee_contact = models.ForeignKey(
        "partners.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.AIR)
    carrier = models.ForeignKey(
        "partners.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shipments_carried",
        limit_choices_to={"kind": "carrier"},
    )
    carrier_reference = models.CharField(
        _("AWB / B/L number"), max_length=64, blank=True, db_index=True
    )
    transport_number = models.CharField(
        _("flight or vessel"),
        max_length=64,
        blank=True,
        help_text=_("Flight number, or vessel name and voyage."),
    )
    gross_weight_kg = models.DecimalField(
        _("gross weight (kg)"), max_digits=10, decimal_places=2, default=0
    )
    chargeable_weight_kg = models.DecimalField(
        _("chargeable weight (kg)"), max_digits=10, decimal_places=2, default=0
    )
    freight_cost = models.DecimalField(
        _("freight cost"), max_digits=12, decimal_places=2, default=0
    )
    freight_currency = models.CharField(max_length=3, choices=CURRENCIES, default="CNY")
    freight_paid_by = models.CharField(
        _("freight paid by"),
        max_length=12,
        choices=FreightPayer.choices,
        default=FreightPayer.FOUNDATION,
    )
    planned_departure_on = models.DateField(_("planned departure"), null=True, blank=True)
    expected_arrival_on = models.DateField(_("expected arrival"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    public_token = models.CharField(
        max_length=32,
        unique=True,
        default=public_token_new,
        editable=False,
        help_text=_("Unguessable key of the public trace page the QR codes point to."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("shipment")
        indexes = [models.Index(fields=["city", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=choice_values(ShipmentStatus.choices)),
                name="shipment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(freight_cost__gte=0)
                & Q(gross_weight_kg__gte=0)
                & Q(chargeable_weight_kg__gte=0),
                name="shipment_measures_non_negative",
            ),
        ]

    def __str__(self):
        return self.reference

    def clean(self):
        """A shipment arrives after it leaves; its contact works for its consignee."""
        errors = {}
        if (
            self.planned_departure_on
            and self.expected_arrival_on
            and self.expected_arrival_on < self.planned_departure_on
        ):
            errors["expected_arrival_on"] = _(
                "The expected arrival (%(arrival)s) is before the planned departure "
                "(%(departure)s)."
            ) % {"arrival": self.expected_arrival_on, "departure": self.planned_departure_on}
        if (
            self.consignee_contact_id
            and self.consignee_id
            and self.consignee_contact.organisation_id != self.consignee_id
        ):
            errors["consignee_contact"] = _(
                "This contact does not work for the consignee; choose one of its contacts."
            )
        if errors:
            raise ValidationError(errors)


class ShipmentLine(models.Model):
    """An allocation of part of one lot's received quantity to a shipment."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    lot = models.ForeignKey(
        "donations.MaterialLot", on_delete=models.PROTECT, related_name="shipment_lines"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    cartons = models.PositiveIntegerField(_("cartons"), default=0)
    released_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Set when a cancelled shipment gave the quantity back.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shipment", "id"]
        verbose_name = _("shipment line")
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "lot"], name="one_line_per_lot_per_shipment"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.shipment}: {self.quantity} × {self.lot}"


class TrackingEvent(models.Model):
    """One step of a shipment's journey; every status change writes one."""

    class Source(models.TextChoices):
        STAFF = "staff", _("staff")
        API = "api", _("API")
        SYSTEM = "system", _("system")

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Shipment.Status.choices)
    location = models.CharField(_("location"), max_length=120, blank=True)
    note = models.TextField(_("note"), blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.STAFF)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shipment", "occurred_at", "id"]
        verbose_name = _("tracking event")
        indexes = [models.Index(fields=["shipment", "occurred_at"])]

    def __str__(self):
        return f"{self.shipment}: {self.status} at {self.occurred_at:%Y-%m-%d %H:%M}"


class ShipmentDocumentState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RENDERING = "rendering", _("rendering")
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")
    SUPERSEDED = "superseded", _("superseded")


class ShipmentDocument(models.Model):
    """One version of one customs document of a shipment, rendered to PDF by a worker.

    Versions are never overwritten: new inputs make a new version and the previous one is
    marked superseded; the same inputs reuse the current version. ``inputs`` holds the
    snapshot the PDF is rendered from, ``inputs_fingerprint`` its hash.
    """

    class Kind(models.TextChoices):
        PROFORMA_INVOICE = "proforma_invoice", _("pro-forma invoice")
        PACKING_LIST = "packing_list", _("packing list")
        DONATION_CERTIFICATE = "donation_certificate", _("donation certificate")
        DECLARATION_OF_CONFORMITY = "declaration_of_conformity", _("declaration of conformity")
        JOINT_DECLARATION = "joint_declaration", _("joint exporter–importer declaration")
        CARTON_LABELS = "carton_labels", _("carton labels")
        RECEIPT_FORM = "receipt_form", _("receipt form")
        ENTRUSTMENT_AGREEMENT = "entrustment_agreement", _("entrustment agreement")

    State = ShipmentDocumentState

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"), default=1)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.QUEUED, db_index=True
    )
    file = models.FileField(upload_to="documents/%Y/%m/", max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    inputs = models.JSONField(
        default=dict, editable=False, help_text=_("The data this version is rendered from.")
    )
    inputs_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text=_("Render attempts started, including ones a killed worker lost.")
    )
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["shipment", "kind", "-version"]
        verbose_name = _("shipment document")
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "kind", "version"], name="one_document_per_kind_version"
            ),
            # Every older version is superseded: at most one current version per kind.
            models.UniqueConstraint(
                fields=["shipment", "kind"],
                condition=~Q(state="superseded"),
                name="one_current_document_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(state__in=choice_values(ShipmentDocumentState.choices)),
                name="document_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="ready") | (~Q(sha256="") & ~Q(file="")),
                name="ready_document_has_file",
            ),
        ]

    def __str__(self):
        return f"{self.shipment}: {self.get_kind_display()} v{self.version}"


class ReceiptRequestStatus(models.TextChoices):
    SENT = "sent", _("sent")
    RECEIPT_UPLOADED = "receipt_uploaded", _("receipt uploaded")
    RECEIPT_VERIFIED = "receipt_verified", _("receipt verified")
    REPORT_UPLOADED = "report_uploaded", _("distribution report uploaded")
    REPORT_VERIFIED = "report_verified", _("distribution report verified")


class ReceiptRequest(models.Model):
    """The loop that proves the goods arrived and were used for public benefit."""

    Status = ReceiptRequestStatus

    shipment = models.OneToOneField(
        Shipment, on_delete=models.CASCADE, related_name="receipt_request"
    )
    contact = models.ForeignKey("partners.Contact", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SENT, db_index=True
    )
    due_on = models.DateField(_("due on"), db_index=True)
    token_version = models.PositiveIntegerField(
        default=1, help_text=_("Raising it invalidates every link sent before.")
    )
    sent_at = models.DateTimeField(default=timezone.now)
    last_reminder_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveIntegerField(
        default=0, help_text=_("Reminders sent for the stage now awaited (the count restarts).")
    )
    staff_alerted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When staff were told the recipient did not answer.")
    )
    report_note = models.TextField(_("notes of the distribution report"), blank=True)
    rejection_reason = models.TextField(_("reason of the last rejection"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on"]
        verbose_name = _("receipt request")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=choice_values(ReceiptRequestStatus.choices)),
                name="receipt_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.shipment} receipt ({self.get_status_display()})"

    @property
    def is_overdue(self) -> bool:
        waiting = {self.Status.SENT, self.Status.RECEIPT_VERIFIED}
        return self.status in waiting and self.due_on < timezone.localdate()


class ReceiptEvidence(models.Model):
    class Kind(models.TextChoices):
        SIGNED_RECEIPT = "signed_receipt", _("signed and stamped receipt")
        DISTRIBUTION_REPORT = "distribution_report", _("distribution report")
        PHOTO = "photo", _("photo")
        VIDEO = "video", _("video")

    request = models.ForeignKey(ReceiptRequest, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    file = models.FileField(upload_to="evidence/%Y/%m/", max_length=200)
    original_name = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    note = models.TextField(_("note"), blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejected_reason = models.TextField(blank=True)
    is_published = models.BooleanField(
        _("approved for publication"),
        default=False,
        help_text=_("Staff approved it for the public trace page."),
    )

    class Meta:
        ordering = ["request", "uploaded_at"]
        verbose_name = _("receipt evidence")
        verbose_name_plural = _("receipt evidence")
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_not_empty"),
        ]

    def __str__(self):
        return f"{self.request.shipment}: {self.get_kind_display()}"


class DistributionLine(models.Model):
    """One beneficiary institution and what it was given, from the distribution report."""

    request = models.ForeignKey(
        ReceiptRequest, on_delete=models.CASCADE, related_name="distribution_lines"
    )
    line = models.ForeignKey(
        ShipmentLine,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="distributions",
        help_text=_("The goods given; empty when the line covers the whole shipment."),
    )
    institution = models.CharField(_("beneficiary institution"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request", "id"]
        verbose_name = _("distribution line")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="distribution_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.institution}: {self.quantity}"


class TrackingTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at=None, expires_at__gt=timezone.now())


class TrackingToken(models.Model):
    """A secret that lets a carrier or partner system push tracking events for one shipment.

    Only a SHA-256 digest of the secret is stored; the secret is shown once, when created.
    """

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tracking_tokens")
    label = models.CharField(
        _("label"), max_length=120, help_text=_("Who uses it, e.g. the carrier's system.")
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=12, editable=False, help_text=_("The first characters, to recognise it.")
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = TrackingTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("tracking token")

    def __str__(self):
        return f"{self.shipment}: {self.label} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class NeedMatchStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    RELEASED = "released", _("released")


class NeedMatch(models.Model):
    """A lot matched to a recipient's need. Confirmed, it reserves the quantity for the city.

    The reserved quantity is also summed on the lot (``MaterialLot.quantity_reserved``, written
    only by ``shipments.services``), where a CHECK constraint keeps allocated + reserved within
    what was received.
    """

    Status = NeedMatchStatus

    need = models.ForeignKey("donations.Need", on_delete=models.CASCADE, related_name="matches")
    lot = models.ForeignKey(
        "donations.MaterialLot", on_delete=models.PROTECT, related_name="need_matches"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    quantity_allocated = models.PositiveIntegerField(
        _("quantity allocated"),
        default=0,
        help_text=_(
            "How much of the reservation has gone onto a shipment to the city; the rest stays "
            "reserved."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.CONFIRMED,
        db_index=True,
    )
    compliance_result = models.CharField(
        _("compliance result when confirmed"), max_length=16, blank=True
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(_("release reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["need", "-confirmed_at", "id"]
        verbose_name = _("need match")
        verbose_name_plural = _("need matches")
        indexes = [models.Index(fields=["lot", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="match_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_allocated__lte=models.F("quantity")),
                name="match_allocated_not_above_quantity",
            ),
            models.CheckConstraint(
                condition=Q(status__in=choice_values(NeedMatchStatus.choices)),
                name="match_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
                name="match_confirmed_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.need}: {self.quantity} × {self.lot}"


class MatchAllocation(models.Model):
    """The part of a shipment line taken from a need's reservation (``shipment_allocate``).

    It lets a removed line or a cancelled shipment give those units back to the reservation they
    came from, and counts them for the need when the shipment is delivered.
    """

    match = models.ForeignKey(NeedMatch, on_delete=models.PROTECT, related_name="allocations")
    line = models.ForeignKey(ShipmentLine, on_delete=models.CASCADE, related_name="allocations")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("reserved units on a shipment line")
        verbose_name_plural = _("reserved units on shipment lines")
        constraints = [
            models.UniqueConstraint(fields=["match", "line"], name="one_allocation_per_match_line"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="match_allocation_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.match.lot} → {self.line.shipment}"
