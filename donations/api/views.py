"""Offers, lots and attachments. Staff see all; a partner token only its organisation's."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from donations import selectors, services
from donations.api import serializers as s
from donations.models import MaterialLot
from sfiec.api.permissions import ActionPermission, IsPartner, IsStaffMember, may
from sfiec.roles import user_may
from sfiec.throttling import ClientAddressThrottle
from sfiec.uploads import DOCUMENT_TYPES, download_response, upload_check


class OfferViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Donation offers. Partners create offers for their organisation and may withdraw them;
    coordinators review, accept and decline."""

    lookup_field = "reference"
    throttle_classes = [ClientAddressThrottle]
    throttle_scopes = {"create": "offer_submit"}  # only submissions count, not staff decisions
    action_permissions = {
        "start_review": "offer.review",
        "accept": "offer.review",
        "decline": "offer.review",
        "link_donor": "offer.review",
    }
    filterset_fields = ["status", "preferred_city"]
    search_fields = ["reference", "donor__name", "lots__product"]
    ordering_fields = ["submitted_at", "status"]

    def get_queryset(self):
        return selectors.offer_list(user=self.request.user).prefetch_related("lots__standard")

    def get_permissions(self):
        if self.action == "create":
            return [permissions.IsAuthenticated(), IsPartner()]
        if self.action in self.action_permissions:
            return [permissions.IsAuthenticated(), ActionPermission()]
        return [permissions.IsAuthenticated(), (IsStaffMember | IsPartner)()]

    def get_serializer_class(self):
        if self.action == "create":
            return s.OfferCreateSerializer
        if self.action in ("accept", "decline", "withdraw"):
            return s.ReasonSerializer
        if self.action == "link_donor":
            return s.DonorLinkSerializer
        return s.OfferSerializer

    def create(self, request, *args, **kwargs):
        serializer = s.OfferCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request.user
        contact = user.partner_membership.contact
        organisation = user.partner_membership.organisation
        offer, created = services.offer_submit(
            user=user,
            donor={
                "organisation_name": organisation.name,
                "contact_name": contact.name if contact else user.get_full_name() or user.email,
                "contact_email": contact.email if contact else user.email,
            },
            lots=[{"values": values} for values in data["lots"]],
            preferred_city=data.get("preferred_city"),
            need=data.get("need"),
            notes=data.get("notes", ""),
            submission_key=data.get("submission_key"),
        )
        offer = self.get_queryset().get(pk=offer.pk)
        return Response(
            s.OfferSerializer(offer).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _respond(self, offer):
        return Response(s.OfferSerializer(self.get_queryset().get(pk=offer.pk)).data)

    def _reason(self, request) -> str:
        serializer = s.ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data.get("reason", "")

    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request, reference=None):
        offer = services.offer_start_review(offer=self.get_object(), actor=request.user)
        return self._respond(offer)

    @action(detail=True, methods=["post"])
    def accept(self, request, reference=None):
        offer = services.offer_decide(
            offer=self.get_object(), actor=request.user, accept=True, reason=self._reason(request)
        )
        return self._respond(offer)

    @action(detail=True, methods=["post"])
    def decline(self, request, reference=None):
        offer = services.offer_decide(
            offer=self.get_object(), actor=request.user, accept=False, reason=self._reason(request)
        )
        return self._respond(offer)

    @action(detail=True, methods=["post"], url_path="link-donor")
    def link_donor(self, request, reference=None):
        """Link the pending donor of an anonymous offer to a known organisation, or with
        ``confirm_new`` confirm it as a new one."""
        serializer = s.DonorLinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("confirm_new"):
            offer = services.offer_donor_confirm(offer=self.get_object(), actor=request.user)
        else:
            offer = services.offer_donor_link(
                offer=self.get_object(), organisation=data["organisation"], actor=request.user
            )
        return self._respond(offer)

    @action(detail=True, methods=["post"])
    def withdraw(self, request, reference=None):
        offer = self.get_object()
        if not (
            hasattr(request.user, "partner_membership") or user_may(request.user, "offer.withdraw")
        ):
            self.permission_denied(request)
        offer = services.offer_withdraw(
            offer=offer, actor=request.user, reason=self._reason(request)
        )
        return self._respond(offer)


class LotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Material lots. Coordinators record intake: receive (accepted or quarantined) or reject."""

    lookup_field = "reference"
    action_permissions = {"receive": "lot.receive", "reject": "lot.receive"}
    filterset_fields = ["status", "category", "is_quarantined", "offer__reference"]
    search_fields = ["reference", "product", "manufacturer", "batch_number"]
    ordering_fields = ["created_at", "expires_on", "status"]

    def get_queryset(self):
        lots = selectors.lot_list(user=self.request.user)
        if self.action == "list":
            # The list shows the offer's reference and the standard's slug: only those columns
            # of the joined rows (the standard's JSON lists are not read for every lot).
            columns = [field.name for field in MaterialLot._meta.concrete_fields]
            return (
                lots.select_related(None)
                .select_related("offer", "standard")
                .only(*columns, "offer__reference", "standard__slug")
            )
        return lots

    def get_permissions(self):
        if self.action in self.action_permissions:
            return [permissions.IsAuthenticated(), ActionPermission()]
        return [permissions.IsAuthenticated(), (IsStaffMember | IsPartner)()]

    def get_serializer_class(self):
        if self.action == "receive":
            return s.LotReceiveSerializer
        if self.action == "reject":
            return s.ReasonSerializer
        return s.LotSerializer

    @action(detail=True, methods=["post"])
    def receive(self, request, reference=None):
        serializer = s.LotReceiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lot = services.lot_intake(
            lot=self.get_object(),
            actor=request.user,
            result=data["result"],
            quantity_received=data["quantity_received"],
            note=data.get("note", ""),
        )
        return Response(s.LotSerializer(self.get_queryset().get(pk=lot.pk)).data)

    @action(detail=True, methods=["post"])
    def reject(self, request, reference=None):
        serializer = s.ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lot = services.lot_intake(
            lot=self.get_object(),
            actor=request.user,
            result="rejected",
            note=serializer.validated_data.get("reason", ""),
        )
        return Response(s.LotSerializer(self.get_queryset().get(pk=lot.pk)).data)


class AttachmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Files of lots, checked by content on upload and downloaded only through ``download``."""

    filterset_fields = ["kind", "lot__reference"]
    ordering_fields = ["uploaded_at"]

    def get_queryset(self):
        return selectors.attachment_list(user=self.request.user)

    def get_permissions(self):
        if self.action == "create":
            return [permissions.IsAuthenticated(), (may("attachment.upload") | IsPartner)()]
        return [permissions.IsAuthenticated(), (IsStaffMember | IsPartner)()]

    def get_serializer_class(self):
        return s.AttachmentCreateSerializer if self.action == "create" else s.AttachmentSerializer

    def create(self, request, *args, **kwargs):
        serializer = s.AttachmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lot = selectors.lot_list(user=request.user).filter(reference=data["lot"]).first()
        if lot is None:
            raise Http404
        try:
            upload = upload_check(data["file"], allowed=DOCUMENT_TYPES)
        except DjangoValidationError as error:
            raise ValidationError({"file": error.messages}) from None
        attachment = services.lot_attachment_upload(
            lot=lot, kind=data["kind"], upload=upload, actor=request.user
        )
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file as uploaded, with Content-Disposition: attachment; "
                "Content-Type is the type found in its content (PDF, JPEG, PNG, ...).",
            )
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        attachment = self.get_object()
        return download_response(
            attachment.file,
            filename=attachment.original_name or "attachment",
            content_type=attachment.content_type,
        )
