"""The ``documents`` action of the shipments API: list the pack, or (re)generate it."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from shipments import documents
from shipments.document_views import document_payload


class ShipmentDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    version = serializers.IntegerField()
    state = serializers.ChoiceField(choices=documents.State.choices)
    state_label = serializers.CharField()
    error = serializers.CharField()
    pages = serializers.IntegerField()
    sha256 = serializers.CharField()
    inputs_fingerprint = serializers.CharField()
    requested_at = serializers.DateTimeField()
    rendered_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.CharField(help_text="Empty until the version is rendered.")


class ShipmentDocumentsMixin:
    """Any staff member lists the documents; logistics officers and managers (re)generate
    (``shipment.documents``, mapped in the viewset's ``action_permissions``)."""

    @extend_schema(
        responses=inline_serializer(
            "ShipmentDocumentList", {"results": ShipmentDocumentSerializer(many=True)}
        ),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def documents(self, request, pk=None):
        """Every version of every document of the shipment, current ones first."""
        shipment = self.get_object()
        versions = shipment.documents.defer("inputs").order_by("kind", "-version")
        current = documents.shipment_documents_current(shipment)
        older = [doc for doc in versions if doc.state == documents.State.SUPERSEDED]
        absolute = request.build_absolute_uri
        data = [document_payload(doc, absolute=absolute) for doc in [*current, *older]]
        return Response({"results": data})

    @extend_schema(
        request=None,
        responses={
            202: inline_serializer(
                "ShipmentDocumentQueued", {"results": ShipmentDocumentSerializer(many=True)}
            )
        },
    )
    @documents.mapping.post
    def documents_generate(self, request, pk=None):
        """(Re)generate the pack: only documents whose inputs changed get a new version."""
        shipment = self.get_object()
        current = documents.shipment_documents_generate(shipment=shipment, actor=request.user)
        absolute = request.build_absolute_uri
        data = [document_payload(doc, absolute=absolute) for doc in current]
        return Response({"results": data}, status=status.HTTP_202_ACCEPTED)
