import pytest

from sfiec.exceptions import DomainError
from shipments import services
from shipments.models import ShipmentLine
from tests import factories


@pytest.fixture
def shipment(db, logistics_officer):
    city = factories.SisterCityFactory()
    return services.shipment_create(
        city=city, consignee=factories.RecipientFactory(city=city), created_by=logistics_officer
    )


def test_allocating_twice_adds_to_the_same_line(shipment, received_lot, logistics_officer):
    services.shipment_allocate(
        shipment=shipment, lot=received_lot, quantity=3000, actor=logistics_officer
    )
    line = services.shipment_allocate(
        shipment=shipment, lot=received_lot, quantity=2000, actor=logistics_officer
    )
    assert line.quantity == 5000
    received_lot.refresh_from_db()
    assert (received_lot.quantity_allocated, received_lot.quantity_available) == (5000, 5000)


def test_allocating_more_than_available_is_refused_and_changes_nothing(
    shipment, received_lot, logistics_officer
):
    services.shipment_allocate(
        shipment=shipment, lot=received_lot, quantity=9000, actor=logistics_officer
    )
    with pytest.raises(DomainError, match="Only 1000 units"):
        services.shipment_allocate(
            shipment=shipment, lot=received_lot, quantity=1001, actor=logistics_officer
        )
    received_lot.refresh_from_db()
    assert received_lot.quantity_allocated == 9000
    assert ShipmentLine.objects.get().quantity == 9000


def test_pledged_and_quarantined_lots_cannot_be_allocated(
    shipment, received_lot, coordinator, logistics_officer
):
    from donations import services as donation_services

    pledged = factories.LotFactory()
    with pytest.raises(DomainError, match="Only received goods"):
        services.shipment_allocate(
            shipment=shipment, lot=pledged, quantity=1, actor=logistics_officer
        )
    donation_services.lot_set_quarantine(
        lot=received_lot, actor=coordinator, is_quarantined=True, note="wet cartons"
    )
    with pytest.raises(DomainError, match="quarantined"):
        services.shipment_allocate(
            shipment=shipment, lot=received_lot, quantity=1, actor=logistics_officer
        )
    assert not ShipmentLine.objects.exists()


def test_lines_are_frozen_once_the_shipment_left_draft(
    shipment, received_lot, logistics_officer, clear_compliance
):
    services.shipment_allocate(
        shipment=shipment, lot=received_lot, quantity=10, actor=logistics_officer
    )
    clear_compliance(shipment)
    services.shipment_transition(shipment=shipment, target="ready", actor=logistics_officer)
    with pytest.raises(DomainError, match="draft"):
        services.shipment_allocate(
            shipment=shipment, lot=received_lot, quantity=10, actor=logistics_officer
        )


def test_an_empty_shipment_cannot_become_ready(shipment, logistics_officer):
    with pytest.raises(DomainError, match="at least one line"):
        services.shipment_transition(shipment=shipment, target="ready", actor=logistics_officer)
    shipment.refresh_from_db()
    assert shipment.status == "draft"


def test_cancelling_releases_the_allocations(
    shipment, received_lot, logistics_officer, clear_compliance
):
    services.shipment_allocate(
        shipment=shipment, lot=received_lot, quantity=4000, actor=logistics_officer
    )
    clear_compliance(shipment)
    services.shipment_transition(shipment=shipment, target="ready", actor=logistics_officer)
    services.shipment_transition(shipment=shipment, target="booked", actor=logistics_officer)
    services.shipment_transition(
        shipment=shipment, target="cancelled", actor=logistics_officer, note="flight cancelled"
    )
    received_lot.refresh_from_db()
    assert received_lot.quantity_allocated == 0
    assert ShipmentLine.objects.get().released_at is not None
    assert list(shipment.events.values_list("status", flat=True)) == [
        "draft",
        "ready",
        "booked",
        "cancelled",
    ]


def test_deallocating_gives_the_quantity_back(shipment, received_lot, logistics_officer):
    line = services.shipment_allocate(
        shipment=shipment, lot=received_lot, quantity=700, actor=logistics_officer
    )
    services.shipment_deallocate(line=line, actor=logistics_officer)
    received_lot.refresh_from_db()
    assert received_lot.quantity_allocated == 0
    assert not ShipmentLine.objects.exists()


def test_allocated_counter_equals_the_sum_of_active_lines(received_lot, logistics_officer):
    city = factories.SisterCityFactory()
    shipments = [
        services.shipment_create(
            city=city, consignee=factories.RecipientFactory(city=city), created_by=logistics_officer
        )
        for _ in range(3)
    ]
    for n, shipment in enumerate(shipments, start=1):
        services.shipment_allocate(
            shipment=shipment, lot=received_lot, quantity=n * 1000, actor=logistics_officer
        )
    services.shipment_transition(
        shipment=shipments[1], target="cancelled", actor=logistics_officer, note="x"
    )
    received_lot.refresh_from_db()
    active = sum(
        line.quantity for line in ShipmentLine.objects.filter(lot=received_lot, released_at=None)
    )
    assert received_lot.quantity_allocated == active == 4000


@pytest.mark.django_db
def test_allocate_and_transition_through_the_api(
    api_client, shipment, received_lot, logistics_officer, viewer, clear_compliance
):
    api_client.force_authenticate(viewer)
    url = f"/api/v1/shipments/{shipment.pk}/"
    assert api_client.get(url).status_code == 200
    assert (
        api_client.post(url + "allocate/", {"lot": received_lot.pk, "quantity": 5}).status_code
        == 403
    )

    api_client.force_authenticate(logistics_officer)
    response = api_client.post(
        url + "allocate/", {"lot": received_lot.pk, "quantity": 20_000}, format="json"
    )
    assert response.status_code == 409
    assert "Only 10000 units" in response.json()["error"]["message"]

    assert (
        api_client.post(
            url + "allocate/", {"lot": received_lot.pk, "quantity": 500}, format="json"
        ).status_code
        == 201
    )
    response = api_client.post(url + "transition/", {"status": "in_transit"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    clear_compliance(shipment)
    response = api_client.post(
        url + "transition/", {"status": "ready", "location": "Shenzhen"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["events"][-1]["source"] == "api"
