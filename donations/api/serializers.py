"""Shapes of offers, lots and attachments in the API. Rules live in forms/services, not here."""

from django.urls import reverse
from rest_framework import serializers

from donations.forms import MAX_LOTS, LotFieldsForm
from donations.models import Attachment, DonationOffer, MaterialLot, Need
from partners.models import Organisation, SisterCity
from sfiec.api.serializers import ReadOnlyListSerializer
from sfiec.choices import AttachmentKind


class AttachmentSerializer(serializers.ModelSerializer):
    lot = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "lot",
            "kind",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
            "download_url",
        ]

    def get_download_url(self, obj) -> str:
        return reverse("api:attachment-download", kwargs={"pk": obj.pk})


class LotSerializer(serializers.ModelSerializer):
    offer = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    standard = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    inspection_result = serializers.CharField(read_only=True)
    quantity_available = serializers.IntegerField(read_only=True)

    class Meta:
        model = MaterialLot
        fields = [
            "id",
            "reference",
            "offer",
            "category",
            "product",
            "manufacturer",
            "standard",
            "batch_number",
            "unit",
            "quantity_offered",
            "quantity_received",
            "quantity_allocated",
            "quantity_available",
            "cartons",
            "units_per_carton",
            "gross_weight_kg",
            "net_weight_kg",
            "manufactured_on",
            "expires_on",
            "unit_value",
            "currency",
            "is_manufacturer_whitelisted",
            "preferred_city",
            "status",
            "is_quarantined",
            "inspection_result",
            "inspection_note",
            "received_at",
        ]
        read_only_fields = fields
        list_serializer_class = ReadOnlyListSerializer


class OfferSerializer(serializers.ModelSerializer):
    donor = serializers.StringRelatedField()
    donor_is_pending = serializers.BooleanField(
        source="donor.is_pending",
        read_only=True,
        help_text="The donor was typed on the public form and is not yet confirmed by staff.",
    )
    contact = serializers.SerializerMethodField()
    lots = LotSerializer(many=True, read_only=True)

    class Meta:
        model = DonationOffer
        fields = [
            "id",
            "reference",
            "status",
            "donor",
            "donor_is_pending",
            "contact",
            "preferred_city",
            "notes",
            "decision_reason",
            "decided_at",
            "submitted_at",
            "lots",
        ]
        read_only_fields = fields

    def get_contact(self, obj) -> dict | None:
        if obj.contact is None:
            return None
        return {"name": obj.contact.name, "email": obj.contact.email}


class LotInputSerializer(serializers.Serializer):
    """One lot of a new offer; checked by the same rules as the offer page."""

    category = serializers.CharField()
    product = serializers.CharField()
    manufacturer = serializers.CharField()
    standard = serializers.CharField(required=False, allow_blank=True, help_text="Standard slug")
    batch_number = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.CharField(required=False, default="piece")
    quantity_offered = serializers.IntegerField()
    cartons = serializers.IntegerField()
    units_per_carton = serializers.IntegerField(required=False)
    gross_weight_kg = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
    net_weight_kg = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
    manufactured_on = serializers.DateField()
    expires_on = serializers.DateField()
    unit_value = serializers.DecimalField(max_digits=12, decimal_places=4, default=0)
    currency = serializers.CharField(default="CNY")
    is_manufacturer_whitelisted = serializers.BooleanField(default=False)

    def validate(self, attrs):
        data = {k: v for k, v in attrs.items() if v is not None}
        if not data.get("is_manufacturer_whitelisted"):
            data.pop("is_manufacturer_whitelisted", None)
        form = LotFieldsForm(data=data)
        if not form.is_valid():
            raise serializers.ValidationError(
                {field: list(messages) for field, messages in form.errors.items()}
            )
        return form.lot_values()


class OfferCreateSerializer(serializers.Serializer):
    preferred_city = serializers.PrimaryKeyRelatedField(
        queryset=SisterCity.objects.filter(is_active=True), required=False, allow_null=True
    )
    need = serializers.PrimaryKeyRelatedField(
        queryset=Need.objects.select_related("city"),
        required=False,
        allow_null=True,
        help_text="The need offered against (from the needs board); refused while it is paused.",
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    submission_key = serializers.RegexField(
        r"^[0-9A-Za-z_-]{16,64}$",
        required=False,
        help_text="Send the same key again to retry safely: one offer is made.",
    )
    # No more lots than the offer page allows; a big list goes through the spreadsheet import.
    lots = LotInputSerializer(many=True, allow_empty=False, max_length=MAX_LOTS)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class DonorLinkSerializer(serializers.Serializer):
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(
            kind=Organisation.Kind.DONOR, is_active=True, is_pending=False
        ),
        required=False,
        help_text="The known organisation the pending donor really is.",
    )
    confirm_new = serializers.BooleanField(
        default=False, help_text="Confirm the pending donor as a new organisation instead."
    )

    def validate(self, attrs):
        if not attrs.get("confirm_new") and not attrs.get("organisation"):
            raise serializers.ValidationError({"organisation": ["Choose a known organisation."]})
        return attrs


class LotReceiveSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=["accepted", "quarantined"], default="accepted")
    quantity_received = serializers.IntegerField(min_value=1)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class AttachmentCreateSerializer(serializers.Serializer):
    lot = serializers.CharField(help_text="Lot reference")
    kind = serializers.ChoiceField(choices=AttachmentKind.choices)
    file = serializers.FileField()
