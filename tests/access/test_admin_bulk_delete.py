"""No admin bulk delete reaches the database except through a service."""

import pytest
from django.urls import reverse

from shipments import services
from shipments.models import ShipmentLine
from tests import factories


@pytest.fixture
def line(db, logistics_officer, received_lot):
    city = factories.SisterCityFactory()
    shipment = services.shipment_create(
        city=city, consignee=factories.RecipientFactory(city=city), created_by=logistics_officer
    )
    return services.shipment_allocate(
        shipment=shipment, lot=received_lot, quantity=3000, actor=logistics_officer
    )


def _bulk_delete(client, line):
    url = reverse("admin:shipments_shipmentline_changelist")
    return client.post(
        url, {"action": "delete_selected", "_selected_action": [line.pk], "post": "yes"}
    )


def test_the_viewers_admin_bulk_delete_is_refused_and_the_allocation_stays(client, viewer, line):
    client.force_login(viewer)
    _bulk_delete(client, line)
    assert ShipmentLine.objects.filter(pk=line.pk).exists()
    line.lot.refresh_from_db()
    assert line.lot.quantity_allocated == 3000


def test_logistics_removes_lines_in_bulk_through_the_deallocation_service(
    client, logistics_officer, line
):
    client.force_login(logistics_officer)
    _bulk_delete(client, line)  # the raw bulk delete is not offered at all
    assert ShipmentLine.objects.filter(pk=line.pk).exists()
    url = reverse("admin:shipments_shipmentline_changelist")
    client.post(
        url,
        {
            "action": "action_remove_from_the_shipment__release_the_units_",
            "_selected_action": [line.pk],
        },
    )
    assert not ShipmentLine.objects.filter(pk=line.pk).exists()
    line.lot.refresh_from_db()
    assert line.lot.quantity_allocated == 0
