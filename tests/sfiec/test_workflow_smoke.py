import pytest

from shipments import services as shipment_services
from tests import factories


@pytest.mark.django_db
def test_allocation_reduces_available(received_lot, logistics_officer):
    shipment = shipment_services.shipment_create(
        city=factories.SisterCityFactory(),
        consignee=factories.RecipientFactory(),
        created_by=logistics_officer,
    )
    shipment_services.shipment_allocate(
        shipment=shipment, lot=received_lot, quantity=4000, actor=logistics_officer
    )
    received_lot.refresh_from_db()
    assert received_lot.quantity_available == 6000
