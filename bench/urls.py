"""The app's URLs plus naive list endpoints the benchmark compares the real ones with.

"Naive" is what a first version would write: a generic ModelSerializer over ``objects.all()``
(no select_related/prefetch), page-number pagination with its COUNT(*).
"""

from django.urls import include, path
from rest_framework import generics, permissions

from donations.api.serializers import LotSerializer
from donations.models import MaterialLot
from sfiec.api.pagination import PageNumberPagination
from shipments.api.serializers import ShipmentSerializer
from shipments.models import Shipment


class _Naive(generics.ListAPIView):
    permission_classes = [permissions.IsAdminUser]
    pagination_class = PageNumberPagination
    filter_backends = []


class NaiveLots(_Naive):
    """Staff (is_staff) only; benchmark comparison."""

    serializer_class = LotSerializer

    def get_queryset(self):
        return MaterialLot.objects.order_by("offer", "id")


class NaiveShipments(_Naive):
    """Staff (is_staff) only; benchmark comparison."""

    serializer_class = ShipmentSerializer

    def get_queryset(self):
        return Shipment.objects.order_by("-created_at")


urlpatterns = [
    path("bench/naive/lots/", NaiveLots.as_view()),
    path("bench/naive/shipments/", NaiveShipments.as_view()),
    path("", include("sfiec.urls")),
]
