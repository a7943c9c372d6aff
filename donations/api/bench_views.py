"""The naive lots list the list benchmark compares against (bench/api_lists.py).

Registered only when settings.API_BENCH_NAIVE is on: a generic ModelSerializer over every
field and no select_related, as a list is written without thinking about speed. Staff only.
"""

from rest_framework import serializers, viewsets

from donations.models import MaterialLot
from sfiec.api.permissions import IsStaffMember


class NaiveLotSerializer(serializers.ModelSerializer):
    offer = serializers.StringRelatedField()
    standard = serializers.StringRelatedField()
    preferred_city = serializers.StringRelatedField()

    class Meta:
        model = MaterialLot
        fields = "__all__"


class NaiveLotViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = NaiveLotSerializer
    permission_classes = [IsStaffMember]
    queryset = MaterialLot.objects.order_by("-created_at")
