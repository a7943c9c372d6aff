"""Rules of a shipment the service layer enforces for every door (issues 8.8 and 9.1)."""

import datetime as dt

import pytest
from django.utils import timezone

from shipments import services
from shipments.models import ReceiptRequest, Shipment, TrackingEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for_logistics(api_client, logistics_officer):
    api_client.force_authenticate(logistics_officer)
    return api_client


@pytest.fixture
def consignee(milan):
    return factories.RecipientFactory(city=milan, name="Milan Civil Protection")


def _create(client, milan, consignee, **values):
    return client.post(
        "/api/v1/shipments/",
        {"city": milan.slug, "consignee": consignee.pk, **values},
        format="json",
    )


def test_a_shipment_arriving_before_it_departs_is_refused_naming_the_field(
    client_for_logistics, milan, consignee
):
    response = _create(
        client_for_logistics,
        milan,
        consignee,
        planned_departure_on="2026-12-10",
        expected_arrival_on="2026-12-01",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert "expected_arrival_on" in error["fields"]
    assert "before the planned departure" in error["message"]
    assert not Shipment.objects.exists()

    ok = _create(
        client_for_logistics,
        milan,
        consignee,
        planned_departure_on="2026-12-10",
        expected_arrival_on="2026-12-10",
    )
    assert ok.status_code == 201
    response = client_for_logistics.patch(
        f"/api/v1/shipments/{ok.json()['id']}/",
        {"expected_arrival_on": "2026-12-09"},
        format="json",
    )
    assert response.status_code == 400
    assert "expected_arrival_on" in response.json()["error"]["fields"]


def test_a_consignee_contact_of_another_citys_recipient_is_refused(
    client_for_logistics, milan, consignee
):
    elsewhere = factories.RecipientFactory(
        city=factories.SisterCityFactory(slug="busan", name="Busan", country="KR")
    )
    stranger = factories.ContactFactory(organisation=elsewhere)
    response = _create(client_for_logistics, milan, consignee, consignee_contact=stranger.pk)
    assert response.status_code == 400
    assert "consignee_contact" in response.json()["error"]["fields"]

    own = factories.ContactFactory(organisation=consignee)
    response = _create(client_for_logistics, milan, consignee, consignee_contact=own.pk)
    assert response.status_code == 201


@pytest.fixture
def delivered(logistics_officer):
    shipment = factories.ShipmentFactory()
    Shipment.objects.filter(pk=shipment.pk).update(status=Shipment.Status.DELIVERED)
    return shipment


@pytest.mark.parametrize(
    ("receipt", "allowed"),
    [
        (None, False),
        (ReceiptRequest.Status.SENT, False),
        (ReceiptRequest.Status.RECEIPT_UPLOADED, False),
        (ReceiptRequest.Status.RECEIPT_VERIFIED, True),
        (ReceiptRequest.Status.REPORT_UPLOADED, True),
        (ReceiptRequest.Status.REPORT_VERIFIED, True),
    ],
)
def test_receipt_confirmed_needs_a_verified_receipt(
    client_for_logistics, delivered, receipt, allowed
):
    if receipt:
        ReceiptRequest.objects.create(
            shipment=delivered,
            contact=factories.ContactFactory(organisation=delivered.consignee),
            status=receipt,
            due_on=dt.date(2026, 12, 31),
        )
    response = client_for_logistics.post(
        f"/api/v1/shipments/{delivered.pk}/transition/",
        {"status": "receipt_confirmed"},
        format="json",
    )
    assert response.status_code == (200 if allowed else 409)
    delivered.refresh_from_db()
    assert delivered.status == ("receipt_confirmed" if allowed else "delivered")
    if not allowed:
        assert "verified" in response.json()["error"]["message"]


def _event_move(client, shipment, target, occurred_at):
    return client.post(
        f"/api/v1/shipments/{shipment.pk}/transition/",
        {"status": target, "occurred_at": occurred_at.isoformat()},
        format="json",
    )


def test_an_event_in_the_future_is_refused_but_clock_drift_is_not(client_for_logistics):
    shipment = factories.ShipmentFactory()
    Shipment.objects.filter(pk=shipment.pk).update(status=Shipment.Status.IN_TRANSIT)

    response = _event_move(
        client_for_logistics, shipment, "arrived", timezone.now() + dt.timedelta(hours=2)
    )
    assert response.status_code == 400
    assert "occurred_at" in response.json()["error"]["fields"]
    assert not TrackingEvent.objects.filter(shipment=shipment).exists()

    response = _event_move(
        client_for_logistics, shipment, "arrived", timezone.now() + dt.timedelta(minutes=2)
    )
    assert response.status_code == 200


def test_an_event_before_the_previous_one_is_refused(client_for_logistics):
    shipment = factories.ShipmentFactory()
    Shipment.objects.filter(pk=shipment.pk).update(status=Shipment.Status.IN_TRANSIT)
    arrived_at = timezone.now() - dt.timedelta(hours=1)
    assert _event_move(client_for_logistics, shipment, "arrived", arrived_at).status_code == 200

    response = _event_move(
        client_for_logistics, shipment, "delivered", arrived_at - dt.timedelta(minutes=30)
    )
    assert response.status_code == 400
    assert "occurred_at" in response.json()["error"]["fields"]
    shipment.refresh_from_db()
    assert shipment.status == "arrived"

    # Without a time the event is dated now, which is after the previous one.
    response = client_for_logistics.post(
        f"/api/v1/shipments/{shipment.pk}/transition/", {"status": "delivered"}, format="json"
    )
    assert response.status_code == 200
    times = list(shipment.events.order_by("id").values_list("occurred_at", flat=True))
    assert times == sorted(times)


def test_the_services_refuse_the_same_as_the_api(logistics_officer, milan, consignee):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.shipment_create(
            city=milan,
            consignee=consignee,
            planned_departure_on=dt.date(2026, 12, 10),
            expected_arrival_on=dt.date(2026, 12, 1),
        )
    assert "expected_arrival_on" in error.value.message_dict
