from rest_framework import permissions, viewsets

from partners import selectors
from partners.api.serializers import OrganisationSerializer, SisterCitySerializer


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
