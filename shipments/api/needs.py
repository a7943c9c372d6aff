"""Needs, their candidate lots and reservations.

Staff read everything; coordinators (and managers) record, change, pause and close needs;
coordinators and logistics officers (and managers) confirm and release matches. Partners list
and read open needs when the needs board is theirs to see (always when signed in; anyone when
``NEEDS_BOARD_PUBLIC``).
"""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from donations import services as donation_services
from donations.models import MaterialLot, Need
from donations.services import NEED_OPEN_STATUSES
from partners.models import Organisation, SisterCity
from sfiec.api.permissions import ActionPermission, IsPartner, IsStaffMember
from sfiec.roles import user_is_staff_member
from shipments import selectors, services
from shipments.models import NeedMatch
from standards.models import Standard


class NeedSerializer(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", queryset=SisterCity.objects.all())
    city_name = serializers.CharField(source="city.name", read_only=True)
    recipient = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.RECIPIENT)
    )
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    accepted_standards = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Standard.objects.all(), required=False
    )
    accepted_standards_text = serializers.SerializerMethodField()
    quantity_matched = serializers.IntegerField(
        read_only=True,
        help_text="Units committed to the need: confirmed reservations, units on their way to "
        "the city for it, and units of lots offered against it delivered there.",
    )
    quantity_delivered = serializers.IntegerField(
        read_only=True, help_text="The part of the matched units that reached the city."
    )
    quantity_unmet = serializers.IntegerField(read_only=True)
    offers_paused = serializers.BooleanField(source="city.offers_paused", read_only=True)

    class Meta:
        model = Need
        fields = [
            "id",
            "city",
            "city_name",
            "recipient",
            "recipient_name",
            "category",
            "description",
            "quantity",
            "quantity_matched",
            "quantity_delivered",
            "quantity_unmet",
            "accepted_standards",
            "accepted_standards_text",
            "needed_by",
            "priority",
            "notes",
            "status",
            "offers_paused",
        ]
        read_only_fields = ["status"]
        extra_kwargs = {
            "notes": {"help_text": "The foundation's notes: returned to staff only."},
        }

    def get_accepted_standards_text(self, need) -> list[str]:
        return [standard.title for standard in need.accepted_standards.all()]

    def get_fields(self):
        fields = super().get_fields()
        fields["recipient"].queryset = fields["recipient"].queryset.filter(is_active=True)
        fields["city"].queryset = fields["city"].queryset.filter(is_active=True)
        return fields

    def to_representation(self, need):
        data = super().to_representation(need)
        request = self.context.get("request")
        if request is None or not user_is_staff_member(request.user):
            data.pop("notes", None)  # the foundation's own notes; the board shows them to no one
        return data


class CandidateSerializer(serializers.ModelSerializer):
    standard = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    quantity_free = serializers.IntegerField()
    compliance = serializers.SerializerMethodField()
    confirmable = serializers.SerializerMethodField()

    class Meta:
        model = MaterialLot
        fields = [
            "id",
            "reference",
            "product",
            "category",
            "standard",
            "expires_on",
            "quantity_free",
            "compliance",
            "confirmable",
        ]

    def get_compliance(self, lot) -> str:
        return selectors.RANK_LABELS[lot.match_rank]

    def get_confirmable(self, lot) -> bool:
        return lot.match_rank < selectors.RANK_UNCHECKED


class NeedMatchSerializer(serializers.ModelSerializer):
    lot_reference = serializers.CharField(source="lot.reference", read_only=True)

    class Meta:
        model = NeedMatch
        fields = [
            "id",
            "need",
            "lot",
            "lot_reference",
            "quantity",
            "quantity_allocated",
            "status",
            "compliance_result",
            "confirmed_by",
            "confirmed_at",
            "released_at",
            "release_reason",
        ]


class ConfirmSerializer(serializers.Serializer):
    lot = serializers.SlugRelatedField(slug_field="reference", queryset=MaterialLot.objects.all())
    quantity = serializers.IntegerField(min_value=1, required=False)


class ReleaseSerializer(serializers.Serializer):
    match = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class NeedTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[Need.Status.OPEN, Need.Status.PAUSED, Need.Status.CLOSED]
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class NeedBoardReader(permissions.BasePermission):
    """Partners (signed in) or, with NEEDS_BOARD_PUBLIC, anyone."""

    def has_permission(self, request, view):
        return settings.NEEDS_BOARD_PUBLIC or IsPartner().has_permission(request, view)


class NeedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Needs of recipients in sister cities; ``matches`` lists the lots that could fill one."""

    serializer_class = NeedSerializer
    action_permissions = {
        "create": "need.change",
        "update": "need.change",
        "partial_update": "need.change",
        "transition": "need.change",
        "confirm": "need.match",
        "release": "need.match",
    }
    filterset_fields = ["status", "city", "category"]
    ordering_fields = ["needed_by", "priority", "quantity"]

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [(IsStaffMember | NeedBoardReader)()]
        return [permissions.IsAuthenticated(), ActionPermission()]

    def get_queryset(self):
        if user_is_staff_member(self.request.user):
            return selectors.need_list()
        return selectors.need_list(statuses=NEED_OPEN_STATUSES)

    def _respond(self, need, code=status.HTTP_200_OK):
        need = selectors.need_list().get(pk=need.pk)
        return Response(self.get_serializer(need).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        need = donation_services.need_create(
            recipient=values.pop("recipient"),
            city=values.pop("city"),
            accepted_standards=values.pop("accepted_standards", []),
            actor=request.user,
            **values,
        )
        return self._respond(need, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        need = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(need, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        for fixed in ("city", "recipient"):
            if fixed in values and values.pop(fixed) != getattr(need, fixed):
                raise ValidationError({fixed: ["A need's city and recipient cannot change."]})
        donation_services.need_update(
            need=need,
            actor=request.user,
            accepted_standards=values.pop("accepted_standards", None),
            **values,
        )
        return self._respond(need)

    @extend_schema(request=NeedTransitionSerializer, responses=NeedSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Pause, resume (open) or close a need by hand; closing releases its reservations."""
        serializer = NeedTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        need = donation_services.need_transition(
            need=self.get_object(),
            actor=request.user,
            target=serializer.validated_data["status"],
            note=serializer.validated_data["note"],
        )
        return self._respond(need)

    @extend_schema(responses=CandidateSerializer(many=True))
    @action(detail=True, methods=["get"])
    def matches(self, request, pk=None):
        """Staff: the lots that could fill this need, best first (see ``need_candidates``),
        and the matches already made."""
        if not user_is_staff_member(request.user):
            self.permission_denied(request)
        need = self.get_object()
        return Response(
            {
                "candidates": CandidateSerializer(
                    selectors.need_candidates(need=need), many=True
                ).data,
                "matches": NeedMatchSerializer(selectors.need_matches(need), many=True).data,
            }
        )

    @extend_schema(request=ConfirmSerializer, responses=NeedMatchSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Reserve a lot's quantity for this need (never more than is available)."""
        serializer = ConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        match = services.need_match_confirm(
            need=self.get_object(),
            lot=serializer.validated_data["lot"],
            quantity=serializer.validated_data.get("quantity"),
            actor=request.user,
        )
        return Response(NeedMatchSerializer(match).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReleaseSerializer, responses=NeedMatchSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """Give a confirmed match's reservation back."""
        serializer = ReleaseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        need = self.get_object()
        match = NeedMatch.objects.filter(need=need, pk=serializer.validated_data["match"]).first()
        if match is None:
            raise ValidationError({"match": ["No such match of this need."]})
        match = services.need_match_release(
            match=match, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(NeedMatchSerializer(match).data)
