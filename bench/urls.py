"""The app's URLs plus the naive lists the benchmarks compare the real ones with.

Only bench/settings.py serves this URLconf (bench/api_lists.py, `make bench`); the product's
URLconf has no trace of it. "Naive" is what a first version would write: a generic
ModelSerializer over every field, nested serializers for a shipment's lines and events, and
``objects.all()`` without select_related or prefetch_related, under the same page-number
pagination (with its COUNT(*)) and the same ordering as the real list.

    /bench/naive/lots/?page_size=50
    /bench/naive/shipments/?page_size=50
"""

from django.urls import include, path
from rest_framework import generics, serializers

from donations.models import MaterialLot
from sfiec.api.pagination import PageNumberPagination
from sfiec.api.permissions import IsStaffMember
from shipments.models import Shipment, ShipmentLine, TrackingEvent


class NaiveLotSerializer(serializers.ModelSerializer):
    offer = serializers.StringRelatedField()
    standard = serializers.StringRelatedField()
    preferred_city = serializers.StringRelatedField()

    class Meta:
        model = MaterialLot
        fields = "__all__"


class NaiveShipmentLineSerializer(serializers.ModelSerializer):
    lot = serializers.StringRelatedField()

    class Meta:
        model = ShipmentLine
        exclude = ["shipment"]


class NaiveTrackingEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrackingEvent
        exclude = ["shipment"]


class NaiveShipmentSerializer(serializers.ModelSerializer):
    city = serializers.StringRelatedField()
    consignee = serializers.StringRelatedField()
    carrier = serializers.StringRelatedField()
    lines = NaiveShipmentLineSerializer(many=True)
    events = NaiveTrackingEventSerializer(many=True)

    class Meta:
        model = Shipment
        fields = "__all__"


class _NaiveList(generics.ListAPIView):
    """Staff only; benchmark comparison."""

    permission_classes = [IsStaffMember]
    pagination_class = PageNumberPagination
    filter_backends = []


class NaiveLots(_NaiveList):
    serializer_class = NaiveLotSerializer
    queryset = MaterialLot.objects.all()


class NaiveShipments(_NaiveList):
    serializer_class = NaiveShipmentSerializer
    queryset = Shipment.objects.all()


urlpatterns = [
    path("bench/naive/lots/", NaiveLots.as_view(), name="bench-naive-lots"),
    path("bench/naive/shipments/", NaiveShipments.as_view(), name="bench-naive-shipments"),
    path("", include("sfiec.urls")),
]
