"""The per-shipment rollups the dashboard charts read (shipments.rollups) follow the shipment
through its moves and its lots' corrections, and a rebuild from scratch gives the same rows."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from donations import services as donation_services
from donations.models import DonationOffer
from shipments import services
from shipments.models import ShipmentGoods, ShipmentLeadTime

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(shipment, make_received_lot, logistics_officer, clear_compliance):
    """The Milan shipment carrying 100 units (2 cartons) of a lot offered ten days ago."""
    lot = make_received_lot(gross_weight_kg=Decimal("200.00"), unit_value=Decimal("2.5000"))
    DonationOffer.objects.filter(pk=lot.offer_id).update(
        submitted_at=timezone.now() - dt.timedelta(days=10)
    )
    services.shipment_allocate(
        shipment=shipment, lot=lot, quantity=100, cartons=2, actor=logistics_officer
    )
    clear_compliance(shipment)
    for target in ("ready", "booked"):
        services.shipment_transition(shipment=shipment, target=target, actor=logistics_officer)
    return shipment


def _chart(api_client, viewer, name):
    cache.clear()  # the dashboard keeps a panel a minute
    api_client.force_authenticate(viewer)
    response = api_client.get(reverse(f"api:dashboard-{name}"))
    assert response.status_code == 200
    return {item["key"]: item for item in response.json()["items"]}


def _move(api_client, logistics_officer, shipment, target):
    api_client.force_authenticate(logistics_officer)
    response = api_client.post(
        f"/api/v1/shipments/{shipment.pk}/transition/", {"status": target}, format="json"
    )
    assert response.status_code == 200, response.content


def _goods(api_client, viewer, shipment):
    item = _chart(api_client, viewer, "goods-by-city")[shipment.city.slug]
    return {key: item[key] for key in ("units", "cartons", "kg", "value")}


def test_a_shipment_counts_from_the_moment_it_leaves(api_client, viewer, logistics_officer, booked):
    assert _goods(api_client, viewer, booked) == {
        "units": 0,
        "cartons": 0,
        "kg": 0.0,
        "value": {},
    }
    assert _chart(api_client, viewer, "lead-times")["dispatch"]["count"] == 0

    _move(api_client, logistics_officer, booked, "in_transit")
    # A hundredth of the 200 kg lot, 100 units at 2.50.
    assert _goods(api_client, viewer, booked) == {
        "units": 100,
        "cartons": 2,
        "kg": 2.0,
        "value": {"CNY": 250.0},
    }
    assert _chart(api_client, viewer, "goods-by-category")["respirator_nonmedical"]["units"] == 100
    times = _chart(api_client, viewer, "lead-times")
    assert (times["dispatch"]["count"], times["dispatch"]["median"]) == (1, 10.0)
    assert times["delivery"]["count"] == 0

    _move(api_client, logistics_officer, booked, "arrived")
    _move(api_client, logistics_officer, booked, "delivered")
    times = _chart(api_client, viewer, "lead-times")
    assert (times["delivery"]["count"], times["delivery"]["median"]) == (1, 10.0)
    assert times["dispatch"]["count"] == 1


def test_a_lot_corrected_after_departure_is_summed_again(
    api_client,
    viewer,
    coordinator,
    logistics_officer,
    booked,
    django_capture_on_commit_callbacks,
):
    _move(api_client, logistics_officer, booked, "in_transit")
    lot = booked.lines.get().lot
    with django_capture_on_commit_callbacks(execute=True):
        donation_services.lot_update(
            lot=lot, actor=coordinator, gross_weight_kg=Decimal("300.00"), unit_value=Decimal("3")
        )
    goods = _goods(api_client, viewer, booked)
    assert (goods["kg"], goods["value"]) == (3.0, {"CNY": 300.0})


def test_the_rebuild_command_writes_the_rows_the_services_keep(
    api_client, viewer, logistics_officer, booked
):
    _move(api_client, logistics_officer, booked, "in_transit")
    _move(api_client, logistics_officer, booked, "arrived")
    _move(api_client, logistics_officer, booked, "delivered")

    def rows():
        return (
            list(ShipmentGoods.objects.values("shipment", "category", "currency", "units", "kg")),
            list(
                ShipmentLeadTime.objects.values(
                    "shipment", "offer", "offered_at", "dispatched_at", "delivered_at"
                )
            ),
        )

    kept = rows()
    charts = [_chart(api_client, viewer, name) for name in ("goods-by-city", "lead-times")]
    ShipmentGoods.objects.all().delete()
    ShipmentLeadTime.objects.all().delete()
    out = io.StringIO()
    call_command("shipment_rollups_rebuild", stdout=out)
    assert out.getvalue().startswith("1 goods rows and 1 lead-time rows written.")
    assert rows() == kept
    assert len(kept[0]) == len(kept[1]) == 1
    assert [_chart(api_client, viewer, name) for name in ("goods-by-city", "lead-times")] == charts
