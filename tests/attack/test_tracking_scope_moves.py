"""A tracking-scoped API token reports its carrier's shipments moving; like a shipment's own
tracking token (see tests/shipments/test_tracking_carrier_moves.py) it may not cancel one,
which gives its lots back. (A draft shipment can only be cancelled; from ready or booked a step
back to draft is the same abuse.)"""

import pytest

from partners.api_tokens import api_token_create
from shipments import services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.xfail(
    strict=True,
    reason="shipments/api/views.py (helper lists' file): ShipmentViewSet.transition must refuse "
    "a target outside shipments.workflows.CARRIER_STATUSES when token_carrier_id(request) is set",
)
@pytest.mark.parametrize("target", ["cancelled"])
def test_a_tracking_scoped_token_cannot_cancel_its_carriers_shipment(
    api_client, logistics_officer, target
):
    carrier = factories.OrganisationFactory(kind="carrier", name="Fast Freight")
    recipient = factories.RecipientFactory()
    shipment = services.shipment_create(
        city=recipient.city, consignee=recipient, created_by=logistics_officer, carrier=carrier
    )
    _token, key = api_token_create(
        user=logistics_officer, name="carrier", scope="tracking", carrier=carrier
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    response = api_client.post(
        f"/api/v1/shipments/{shipment.pk}/transition/",
        {"status": target, "note": "The carrier says so"},
        format="json",
    )

    assert response.status_code == 403
    shipment.refresh_from_db()
    assert shipment.status == "draft" and shipment.events.count() == 1
