from rest_framework import serializers

from donations.models import MaterialLot
from partners.models import Contact, Organisation, SisterCity
from sfiec.api.serializers import ReadOnlyListSerializer
from shipments.models import Shipment, ShipmentLine, TrackingEvent
from shipments.services import SHIPMENT_FIELDS


class ShipmentLineSerializer(serializers.ModelSerializer):
    lot_reference = serializers.CharField(source="lot.reference", read_only=True)
    product = serializers.CharField(source="lot.product", read_only=True)
    category = serializers.CharField(source="lot.category", read_only=True)

    class Meta:
        model = ShipmentLine
        fields = [
            "id",
            "lot",
            "lot_reference",
            "product",
            "category",
            "quantity",
            "cartons",
            "released_at",
        ]


class TrackingEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrackingEvent
        fields = [
            "id",
            "from_status",
            "status",
            "location",
            "note",
            "occurred_at",
            "source",
            "recorded_at",
        ]


class ShipmentSerializer(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    lines = ShipmentLineSerializer(many=True, read_only=True)
    events = TrackingEventSerializer(many=True, read_only=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "reference",
            "status",
            "city",
            "consignee",
            *SHIPMENT_FIELDS,
            "created_at",
            "lines",
            "events",
        ]
        read_only_fields = fields
        # A page renders its lines and events from .values(), not model instances.
        list_serializer_class = ReadOnlyListSerializer


class ShipmentWriteSerializer(serializers.ModelSerializer):
    """Input for creating or changing a shipment; status and reference are never writable."""

    city = serializers.SlugRelatedField(slug_field="slug", queryset=SisterCity.objects.all())
    consignee = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.RECIPIENT)
    )
    consignee_contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True
    )
    carrier = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.CARRIER),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = Shipment
        fields = ["city", "consignee", *SHIPMENT_FIELDS]


class AllocateSerializer(serializers.Serializer):
    lot = serializers.PrimaryKeyRelatedField(queryset=MaterialLot.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=100_000_000)
    cartons = serializers.IntegerField(
        min_value=0,
        max_value=1_000_000,
        required=False,
        allow_null=True,
        default=None,
        help_text="Omitted: worked out from the lot's units per carton.",
    )


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Shipment.Status.choices)
    location = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
