from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance import selectors, services
from compliance.api.serializers import (
    ComplianceCheckSerializer,
    DestinationSerializer,
    EquivalenceGroupSerializer,
    EvaluateRequestSerializer,
    EvaluateResponseSerializer,
    OverrideSerializer,
    RuleSetSerializer,
    StandardSerializer,
)
from compliance.engine import LotFacts
from compliance.models import EquivalenceGroup, RuleSet, Standard
from donations.models import MaterialLot
from sfiec.api.permissions import ActionPermission, IsStaffMember
from sfiec.throttling import ClientAddressThrottle


class EvaluateView(APIView):
    """What-if: evaluate a lot's facts for a destination and dates; saves nothing.

    Open to anyone (the public offer form uses it), limited per client address.
    """

    permission_classes = [permissions.AllowAny]
    throttle_classes = [ClientAddressThrottle]
    throttle_scope = "compliance_evaluate"

    @extend_schema(request=EvaluateRequestSerializer, responses=EvaluateResponseSerializer)
    def post(self, request):
        serializer = EvaluateRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        facts = LotFacts(
            category=data["category"],
            standard=data["standard"],
            manufacture_date=data["manufacture_date"],
            expiry_date=data["expiry_date"],
            attachments=frozenset(data["attachments"]),
            manufacturer_whitelisted=data["manufacturer_whitelisted"],
            hs_code=data["hs_code"],
        )
        result = services.evaluate_what_if(
            facts=facts,
            country=data["country"],
            export_date=data["export_date"],
            arrival_date=data["arrival_date"],
        )
        return Response(result)


class ComplianceCheckViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Stored checks. Staff read them; only a compliance officer may override one."""

    serializer_class = ComplianceCheckSerializer
    permission_classes = [ActionPermission]
    action_permissions = {"override": "check.override"}
    filterset_fields = ["lot", "country", "result", "is_current", "is_stale", "rule_set__version"]
    ordering_fields = ["evaluated_at", "result", "country"]

    def get_queryset(self):
        return selectors.check_list()

    @extend_schema(request=OverrideSerializer, responses=ComplianceCheckSerializer)
    @action(detail=True, methods=["post"])
    def override(self, request, pk=None):
        """Accept a failing or warning check with a written justification (compliance officer)."""
        check = self.get_object()
        serializer = OverrideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check = services.check_override(
            check=check, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(ComplianceCheckSerializer(selectors.check_list().get(pk=check.pk)).data)


class StandardViewSet(viewsets.ReadOnlyModelViewSet):
    """The standards catalogue, for anyone signed in (partners pick from it)."""

    serializer_class = StandardSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "slug"
    filterset_fields = ["jurisdiction", "source_status"]
    search_fields = ["slug", "body", "title", "title_zh"]
    queryset = Standard.objects.prefetch_related("equivalence_groups")


class EquivalenceGroupViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EquivalenceGroupSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "slug"
    queryset = EquivalenceGroup.objects.prefetch_related("members")


class RuleSetViewSet(viewsets.ReadOnlyModelViewSet):
    """Rule set versions, newest first; staff only."""

    serializer_class = RuleSetSerializer
    permission_classes = [IsStaffMember]
    lookup_field = "version"
    lookup_value_regex = r"[^/]+"
    queryset = RuleSet.objects.select_related("based_on")


class LotDestinationsView(APIView):
    """Where can it go: a lot's result for every sister city (nothing is saved). Staff only."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=DestinationSerializer(many=True))
    def get(self, request, lot_id: int):
        lot = get_object_or_404(MaterialLot, pk=lot_id)
        rows = services.lot_destinations(lot=lot)
        return Response(DestinationSerializer(rows, many=True).data, status=status.HTTP_200_OK)
