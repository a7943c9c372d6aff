from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from partners.api.authentication import token_carrier_id
from sfiec.api.permissions import ActionPermission, may
from sfiec.api.serializers import values_columns
from shipments import selectors, services
from shipments.api.authentication import (
    StaffReads,
    TrackingTokenAuthentication,
    TrackingTokenForShipment,
    carrier_move_check,
)
from shipments.api.documents import ShipmentDocumentsMixin
from shipments.api.serializers import (
    AllocateSerializer,
    ShipmentLineSerializer,
    ShipmentSerializer,
    ShipmentWriteSerializer,
    TrackingEventSerializer,
    TransitionSerializer,
)
from shipments.models import TrackingEvent


class ShipmentViewSet(
    ShipmentDocumentsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Shipments. Any staff member reads; logistics officers (and managers) plan and move them."""

    permission_classes = [ActionPermission]
    action_permissions = {
        "create": "shipment.plan",
        "update": "shipment.plan",
        "partial_update": "shipment.plan",
        "allocate": "shipment.allocate",
        "transition": "shipment.transition",
        "documents_generate": "shipment.documents",
    }
    # A tracking-scoped API token sees its carrier's shipments and may move them, nothing else.
    tracking_scope_field = "carrier"
    tracking_token_actions = ("list", "retrieve", "transition")
    filterset_fields = ["status", "city", "mode", "carrier"]
    search_fields = ["reference", "carrier_reference", "consignee__name"]
    ordering_fields = ["created_at", "planned_departure_on", "expected_arrival_on", "freight_cost"]

    def get_queryset(self):
        if self.action == "list":
            # A page is read as .values() rows, its lines and events with one query each, and
            # rendered without model instances (sfiec.api.serializers).
            return selectors.shipment_rows(columns=values_columns(ShipmentSerializer))
        return selectors.shipment_list()

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return ShipmentWriteSerializer
        return ShipmentSerializer

    def _respond(self, shipment, code=status.HTTP_200_OK):
        shipment = selectors.shipment_list().get(pk=shipment.pk)
        return Response(ShipmentSerializer(shipment).data, status=code)

    @extend_schema(request=ShipmentWriteSerializer, responses=ShipmentSerializer)
    def create(self, request, *args, **kwargs):
        serializer = ShipmentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        shipment = services.shipment_create(
            city=values.pop("city"),
            consignee=values.pop("consignee"),
            created_by=request.user,
            **values,
        )
        return self._respond(shipment, status.HTTP_201_CREATED)

    @extend_schema(request=ShipmentWriteSerializer, responses=ShipmentSerializer)
    def update(self, request, *args, **kwargs):
        shipment = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = ShipmentWriteSerializer(shipment, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("city", None)
        values.pop("consignee", None)
        services.shipment_update(shipment=shipment, actor=request.user, **values)
        return self._respond(shipment)

    @extend_schema(request=AllocateSerializer, responses=ShipmentLineSerializer)
    @action(detail=True, methods=["post"])
    def allocate(self, request, pk=None):
        """Allocate part of a received lot to this draft shipment (never more than available)."""
        shipment = self.get_object()
        serializer = AllocateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        cartons = data["cartons"]
        if cartons is None:
            cartons = selectors.lot_cartons_for(lot=data["lot"], quantity=data["quantity"])
        line = services.shipment_allocate(
            shipment=shipment,
            lot=data["lot"],
            quantity=data["quantity"],
            cartons=cartons,
            actor=request.user,
        )
        return Response(ShipmentLineSerializer(line).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TransitionSerializer, responses=ShipmentSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the shipment to another status; an illegal move answers 409 with the reason."""
        shipment = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if token_carrier_id(request) is not None:
            carrier_move_check(data["status"])
        services.shipment_transition(
            shipment=shipment,
            target=data["status"],
            actor=request.user,
            location=data["location"],
            note=data["note"],
            occurred_at=data["occurred_at"],
            source=TrackingEvent.Source.API,
        )
        return self._respond(shipment)

    @extend_schema(
        methods=["GET"],
        responses=TrackingEventSerializer(many=True),
        operation_id="shipment_events_list",
    )
    @extend_schema(
        methods=["POST"],
        request=TransitionSerializer,
        responses={201: TrackingEventSerializer, 200: TrackingEventSerializer},
        operation_id="shipment_events_create",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        authentication_classes=[
            TrackingTokenAuthentication,
            *api_settings.DEFAULT_AUTHENTICATION_CLASSES,
        ],
        permission_classes=[StaffReads | may("shipment.transition") | TrackingTokenForShipment],
    )
    def events(self, request, pk=None):
        """The shipment's timeline, oldest first. Staff read it; logistics officers, or a
        carrier holding this shipment's tracking token (``Authorization: Bearer trk_…``), add
        an event, which moves the status (409 with the reason when the move is refused)."""
        shipment = self.get_object()
        if request.method == "GET":
            events = selectors.shipment_events(shipment=shipment)
            page = self.paginate_queryset(events)
            return self.get_paginated_response(TrackingEventSerializer(page, many=True).data)
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        last_before = shipment.events.order_by("-id").values_list("id", flat=True).first()
        services.shipment_transition(
            shipment=shipment,
            target=data["status"],
            actor=request.user,
            location=data["location"],
            note=data["note"],
            occurred_at=data["occurred_at"],
            source=TrackingEvent.Source.API,
        )
        event = shipment.events.latest("id")
        # A move the shipment already made (a carrier's retry) records nothing: 200, not 201.
        created = event.pk != last_before
        return Response(
            TrackingEventSerializer(event).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
