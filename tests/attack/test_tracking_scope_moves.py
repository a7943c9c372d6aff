"""A tracking-scoped API token reports its carrier's shipments moving; like a shipment's own
tracking token (see tests/shipments/test_tracking_carrier_moves.py) it may not cancel one,
which gives its lots back. (A draft shipment can only be cancelled; from ready or booked a step
back to draft is the same abuse.)"""

import pytest

from partners.api_tokens import api_token_create
from shipments import services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("door", ["transition", "events"])
def test_a_tracking_scoped_token_cannot_cancel_its_carriers_shipment(
    api_client, logistics_officer, door
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
        f"/api/v1/shipments/{shipment.pk}/{door}/",
        {"status": "cancelled", "note": "The carrier says so"},
        format="json",
    )

    # The events door takes only a shipment's own tracking token (trk_…), not an API token.
    assert response.status_code == (403 if door == "transition" else 401)
    shipment.refresh_from_db()
    assert shipment.status == "draft" and shipment.events.count() == 1
