from rest_framework import permissions, viewsets

from partners import selectors
from partners.api.serializers import (
    ContactListSerializer,
    OrganisationSerializer,
    SisterCitySerializer,
)


class SisterCityViewSet(viewsets.ReadOnlyModelViewSet):
    """Sister cities that shipments can go to. Any signed-in user (staff, partner, integration)."""

    serializer_class = SisterCitySerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["country", "is_active"]
    search_fields = ["name", "name_zh", "slug"]
    ordering_fields = ["name", "country"]

    def get_queryset(self):
        return selectors.sister_city_list(active_only=False)


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """Organisations. Staff see all of them; a partner token sees only its own organisation."""

    serializer_class = OrganisationSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["kind", "country", "city", "is_active"]
    search_fields = ["name", "name_zh", "email"]
    ordering_fields = ["name", "kind", "created_at"]

    def get_queryset(self):
        return selectors.organisation_list_for(user=self.request.user)


class ContactViewSet(viewsets.ReadOnlyModelViewSet):
    """People at organisations. Staff see all; a partner sees its own organisation's."""

    serializer_class = ContactListSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["organisation", "language", "is_primary"]
    search_fields = ["name", "email", "organisation__name"]
    ordering_fields = ["name", "organisation__name"]

    def get_queryset(self):
        return selectors.contact_list_for(user=self.request.user)
