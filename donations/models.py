from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from sfiec.choices import CURRENCIES, AttachmentKind, Category, Unit, choice_values

from .rules import lot_validate


class NeedStatus(models.TextChoices):
    OPEN = "open", _("open")
    PARTLY_MET = "partly_met", _("partly met")
    MET = "met", _("met")
    PAUSED = "paused", _("paused")
    CLOSED = "closed", _("closed")


class Need(models.Model):
    """What a recipient in a sister city asks for."""

    Status = NeedStatus

    recipient = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="needs"
    )
    city = models.ForeignKey("partners.SisterCity", on_delete=models.PROTECT, related_name="needs")
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    description = models.TextField(_("description"), blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    accepted_standards = models.ManyToManyField(
        "standards.Standard", blank=True, related_name="needs"
    )
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        choices=[(1, _("urgent")), (2, _("high")), (3, _("normal")), (4, _("low"))],
        default=3,
    )
    notes = models.TextField(_("notes"), blank=True)
    # Kept by shipments' services (which own matches, lines and deliveries), so reads below
    # shipments, like the dashboard's unmet need, need no upward join. Matched: units committed
    # to the need (confirmed reservations, units on their way to the city for it, and units of
    # lots offered against it delivered there); delivered: the part that reached the city.
    quantity_matched = models.PositiveIntegerField(_("quantity matched"), default=0, editable=False)
    quantity_delivered = models.PositiveIntegerField(
        _("quantity delivered"), default=0, editable=False
    )
    # The one-use nonce of the recipient's signed link that recorded this need (see
    # ``donations.need_links``): unique, so one link records one need.
    link_nonce = models.CharField(max_length=32, null=True, blank=True, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["needed_by", "id"]
        verbose_name = _("need")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="need_quantity_positive"),
            models.CheckConstraint(
                condition=Q(status__in=choice_values(NeedStatus.choices)), name="need_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.city}: {self.quantity} × {self.get_category_display()}"

    def status_from_figures(self) -> str:
        """Open, partly met or met, from the units matched to the need."""
        if self.quantity_matched >= self.quantity:
            return NeedStatus.MET
        return NeedStatus.PARTLY_MET if self.quantity_matched > 0 else NeedStatus.OPEN


class DonationOfferStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    UNDER_REVIEW = "under_review", _("under review")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    WITHDRAWN = "withdrawn", _("withdrawn")


class DonationOffer(models.Model):
    Status = DonationOfferStatus

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    donor = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="offers"
    )
    contact = models.ForeignKey(
        "partners.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="offers"
    )
    preferred_city = models.ForeignKey(
        "partners.SisterCity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offers",
        help_text=_("Empty means the foundation decides."),
    )
    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="offers"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    notes = models.TextField(_("notes"), blank=True)
    decision_reason = models.TextField(
        _("decision reason"), blank=True, help_text=_("Shown to the partner.")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submission_key = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Idempotency key of the form submission: a resubmit makes no second offer."),
    )
    # Keys are unique per submitter only: "org:<id>" for a partner, "email:<address>" otherwise.
    submission_scope = models.CharField(max_length=260, blank=True, default="", editable=False)
    submission_digest = models.CharField(max_length=64, blank=True, default="", editable=False)
    is_donor_named_publicly = models.BooleanField(
        _("the donor may be named publicly"),
        default=False,
        help_text=_(
            "Set by the donor: its name may appear on the public trace page and on the "
            "donation certificate that travels with the goods."
        ),
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("donation offer")
        indexes = [models.Index(fields=["donor", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=choice_values(DonationOfferStatus.choices)),
                name="offer_status_valid",
            ),
            models.UniqueConstraint(
                fields=["submission_scope", "submission_key"],
                name="offer_submission_key_per_submitter",
            ),
        ]

    def __str__(self):
        return self.reference


class MaterialLotQuerySet(models.QuerySet):
    def locked(self):
        """The lots, locked for a change of their quantities or status until the transaction
        ends (call it in one).

        FOR NO KEY UPDATE, the lock an UPDATE of these columns takes: changes of a lot wait for
        each other, while rows that only reference it (its checks, lines, matches) can still be
        inserted. So a worker storing a lot's check never waits for staff allocating that lot,
        and a wait the other way round (on a finding both store) cannot close a deadlock.
        """
        return self.select_for_update(no_key=True)

    def with_available(self):
        return self.annotate(
            quantity_available=F("quantity_received")
            - F("quantity_allocated")
            - F("quantity_reserved")
        )

    def allocatable(self):
        return self.filter(
            status=MaterialLot.Status.RECEIVED,
            is_quarantined=False,
            quantity_received__gt=F("quantity_allocated") + F("quantity_reserved"),
        )


class MaterialLotStatus(models.TextChoices):
    PLEDGED = "pledged", _("pledged")
    RECEIVED = "received", _("received")
    REJECTED = "rejected", _("rejected")


class MaterialLot(models.Model):
    Status = MaterialLotStatus

    offer = models.ForeignKey(DonationOffer, on_delete=models.CASCADE, related_name="lots")
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    category = models.CharField(
        _("category"), max_length=32, choices=Category.choices, db_index=True
    )
    product = models.CharField(_("product"), max_length=200, help_text=_("Brand and model."))
    manufacturer = models.CharField(_("manufacturer"), max_length=200)
    standard = models.ForeignKey(
        "standards.Standard",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lots",
        help_text=_("The standard the product is certified to."),
    )
    batch_number = models.CharField(_("batch number"), max_length=64, blank=True)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, default=Unit.PIECE)
    quantity_offered = models.PositiveIntegerField(_("quantity offered"))
    quantity_received = models.PositiveIntegerField(_("quantity received"), default=0)
    quantity_allocated = models.PositiveIntegerField(
        _("quantity allocated"),
        default=0,
        editable=False,
        help_text=_("Sum of the active shipment lines; maintained by the allocation service."),
    )
    # Written only by the shipments app's reservation service (``shipments.services``), which
    # owns matches and reservations; it lives here so one CHECK constraint can hold
    # allocated + reserved <= received under any race.
    quantity_reserved = models.PositiveIntegerField(
        _("quantity reserved"),
        default=0,
        editable=False,
        help_text=_("Sum of the confirmed matches to needs; maintained by the matching service."),
    )
    cartons = models.PositiveIntegerField(_("cartons"), default=0)
    units_per_carton = models.PositiveIntegerField(_("units per carton"), default=0)
    gross_weight_kg = models.DecimalField(
        _("gross weight (kg)"), max_digits=10, decimal_places=2, default=0
    )
    net_weight_kg = models.DecimalField(
        _("net weight (kg)"), max_digits=10, decimal_places=2, default=0
    )
    volume_m3 = models.DecimalField(_("volume (m³)"), max_digits=9, decimal_places=3, default=0)
    manufactured_on = models.DateField(_("manufacture date"), null=True, blank=True)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    unit_value = models.DecimalField(
        _("declared unit value"), max_digits=12, decimal_places=4, default=0
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES, default="CNY")
    hs_code = models.CharField(
        _("HS code"),
        max_length=12,
        blank=True,
        help_text=_("Leave empty to use the code known for the category."),
    )
    is_manufacturer_whitelisted = models.BooleanField(
        _("manufacturer on the export whitelist"), default=False
    )
    preferred_city = models.ForeignKey(
        "partners.SisterCity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="preferred_lots",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLEDGED, db_index=True
    )
    is_quarantined = models.BooleanField(_("quarantined"), default=False)
    inspection_note = models.TextField(_("inspection note"), blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = MaterialLotQuerySet.as_manager()

    class Meta:
        ordering = ["offer", "id"]
        verbose_name = _("material lot")
        indexes = [
            models.Index(fields=["status", "category"]),
            models.Index(fields=["expires_on"]),
            # Few lots are quarantined at a time: the dashboard's card and the lots filter read
            # this index alone (29 ms to 0.5 ms for the count at 100,000 lots).
            models.Index(fields=["id"], condition=Q(is_quarantined=True), name="quarantined_lot"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_offered__gt=0), name="lot_quantity_offered_positive"
            ),
            models.CheckConstraint(
                condition=Q(quantity_received__lte=F("quantity_offered")),
                name="lot_received_not_above_offered",
            ),
            # The backstop for the allocation race: no commit can over-allocate a lot.
            models.CheckConstraint(
                condition=Q(quantity_allocated__lte=F("quantity_received")),
                name="lot_allocated_not_above_received",
            ),
            # The backstop for the reservation race: reservations never exceed availability.
            models.CheckConstraint(
                condition=Q(
                    quantity_allocated__lte=F("quantity_received") - F("quantity_reserved")
                ),
                name="lot_allocated_reserved_not_above_received",
            ),
            models.CheckConstraint(
                condition=Q(gross_weight_kg__gte=0) & Q(net_weight_kg__gte=0) & Q(volume_m3__gte=0),
                name="lot_measures_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(net_weight_kg__lte=F("gross_weight_kg")) | Q(gross_weight_kg=0),
                name="lot_net_not_above_gross",
            ),
            models.CheckConstraint(condition=Q(unit_value__gte=0), name="lot_value_non_negative"),
            models.CheckConstraint(
                condition=Q(manufactured_on__isnull=True)
                | Q(expires_on__isnull=True)
                | Q(manufactured_on__lte=F("expires_on")),
                name="lot_manufactured_before_expiry",
            ),
            models.CheckConstraint(
                condition=Q(status__in=choice_values(MaterialLotStatus.choices)),
                name="lot_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(category__in=choice_values(Category.choices)), name="lot_category_valid"
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.product}"

    def clean(self):
        """The rules between the lot's fields (``donations.rules``); ``full_clean`` runs them."""
        lot_validate(
            category=self.category,
            standard=self._standard_or_none(),
            quantity_offered=self.quantity_offered,
            cartons=self.cartons,
            units_per_carton=self.units_per_carton,
            gross_weight_kg=self.gross_weight_kg,
            net_weight_kg=self.net_weight_kg,
            manufactured_on=self.manufactured_on,
            expires_on=self.expires_on,
        )

    def _standard_or_none(self):
        if self.standard_id is None:
            return None
        try:
            return self.standard
        except ObjectDoesNotExist:
            return None  # clean_fields names the unknown standard

    @property
    def quantity_available(self) -> int:
        return self.quantity_received - self.quantity_allocated - self.quantity_reserved

    @property
    def inspection_result(self) -> str:
        """``accepted``, ``quarantined`` or ``rejected`` once inspected, else empty."""
        if self.status == MaterialLotStatus.REJECTED:
            return "rejected"
        if self.status == MaterialLotStatus.RECEIVED:
            return "quarantined" if self.is_quarantined else "accepted"
        return ""


class Attachment(models.Model):
    """A certificate, report or photo belonging to a lot, checked by content on upload."""

    lot = models.ForeignKey(MaterialLot, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=32, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/", max_length=200)
    original_name = models.CharField(_("original name"), max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lot", "kind", "id"]
        verbose_name = _("attachment")
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty"),
            models.CheckConstraint(
                condition=Q(kind__in=choice_values(AttachmentKind.choices)),
                name="attachment_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name or self.file.name}"
