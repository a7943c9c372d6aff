from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard.selectors import dashboard_panel
from sfiec.api.permissions import IsStaffMember


class DashboardPanelView(APIView):
    """One dashboard card or chart. Staff of any role (viewer included) may read; anonymous
    callers get 401, partners and other signed-in users 403. Cached for a minute."""

    permission_classes = [IsStaffMember]
    panel = ""

    @extend_schema(
        tags=["dashboard"],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The card or chart's data."),
            401: OpenApiResponse(description="Not authenticated."),
            403: OpenApiResponse(description="Not foundation staff."),
        },
    )
    def get(self, request):
        return Response(dashboard_panel(name=self.panel))
