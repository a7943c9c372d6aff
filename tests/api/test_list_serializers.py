"""A list rendered by sfiec.api.serializers' plan is what DRF renders for each row, to the letter.

The lots and shipments lists are compared, through the API, with DRF's own rendering of each
object by the same serializer (the detail view's way); then the plan's edges: method fields,
a None on the way of a dotted source, prefetched nested rows, time zones, and a field that names
no column.
"""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Prefetch
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from donations import selectors as donation_selectors
from donations import services as donation_services
from donations.api.serializers import LotSerializer
from donations.models import MaterialLot
from sfiec.api.serializers import ReadOnlyListSerializer, values_columns
from shipments import selectors as shipment_selectors
from shipments import services
from shipments.api.serializers import ShipmentSerializer
from shipments.models import Shipment, ShipmentLine
from tests import factories
from tests.shipments import conftest as shipment_fixtures

pytestmark = pytest.mark.django_db
make_received_lot = shipment_fixtures.make_received_lot


def plain(data):
    return json.loads(JSONRenderer().render(data))


@pytest.fixture
def varied_lots(coordinator, partner):
    """Lots pledged, received, quarantined and rejected, with and without a standard."""
    own = factories.OfferFactory(donor=partner.partner_membership.organisation)
    lots = [
        factories.LotFactory(offer=own),
        factories.LotFactory(
            offer=own, standard=None, gross_weight_kg=Decimal("0.5"), net_weight_kg=Decimal("0.4")
        ),
        factories.LotFactory(standard=None),
    ]
    for lot, result in zip(lots, ["accepted", "quarantined", "rejected"], strict=True):
        if lot.offer.status == "submitted":
            donation_services.offer_start_review(offer=lot.offer, actor=coordinator)
            donation_services.offer_accept(offer=lot.offer, actor=coordinator)
        donation_services.lot_intake(
            lot=lot,
            actor=coordinator,
            result=result,
            quantity_received=lot.quantity_offered,
            note="Seals broken on two cartons",
        )
    factories.LotFactory(standard=None, expires_on=dt.date(2027, 1, 1))  # still pledged
    return lots


@pytest.mark.parametrize("who", ["manager", "partner"])
def test_the_lots_list_renders_each_lot_as_its_detail_does(who, request, api_client, varied_lots):
    user = request.getfixturevalue(who)
    api_client.force_authenticate(user)
    response = api_client.get("/api/v1/lots/?page_size=50")
    assert response.status_code == 200
    listed = response.json()["results"]
    visible = donation_selectors.lot_list(user=user)
    assert len(listed) == visible.count() >= 2
    for item in listed:
        lot = visible.get(reference=item["reference"])
        assert item == plain(LotSerializer(lot).data)
    assert {item["standard"] for item in listed} >= {None}


@pytest.fixture
def shipments_with_history(make_received_lot, logistics_officer, clear_compliance):
    """Two shipments with lines and a timeline, one cancelled (lines released), one bare."""
    consignee = factories.RecipientFactory()
    carrier = factories.OrganisationFactory(kind="carrier")
    moving = services.shipment_create(
        city=consignee.city,
        consignee=consignee,
        created_by=logistics_officer,
        carrier=carrier,
        freight_cost=Decimal("1234.5"),
        planned_departure_on=dt.date(2026, 5, 1),
        notes="Fragile; keep dry",
    )
    for quantity in (100, 250):
        services.shipment_allocate(
            shipment=moving, lot=make_received_lot(), quantity=quantity, actor=logistics_officer
        )
    clear_compliance(moving)
    for target in ("ready", "booked"):
        services.shipment_transition(shipment=moving, target=target, actor=logistics_officer)
    cancelled = services.shipment_create(
        city=consignee.city, consignee=consignee, created_by=logistics_officer
    )
    services.shipment_allocate(
        shipment=cancelled, lot=make_received_lot(), quantity=10, actor=logistics_officer
    )
    services.shipment_transition(shipment=cancelled, target="cancelled", actor=logistics_officer)
    bare = services.shipment_create(
        city=consignee.city, consignee=consignee, created_by=logistics_officer
    )
    return [moving, cancelled, bare]


def test_the_shipments_list_renders_each_shipment_as_its_detail_does(
    api_client, manager, shipments_with_history
):
    api_client.force_authenticate(manager)
    response = api_client.get("/api/v1/shipments/?page_size=50")
    assert response.status_code == 200
    listed = response.json()["results"]
    assert [item["id"] for item in listed] == [s.pk for s in reversed(shipments_with_history)]
    for item in listed:
        shipment = shipment_selectors.shipment_list().get(pk=item["id"])
        # The same fields in the same order: the JSON text is the detail's.
        assert json.dumps(item) == json.dumps(plain(ShipmentSerializer(shipment).data))
    moving = listed[-1]
    assert len(moving["lines"]) == 2 and len(moving["events"]) >= 3
    assert listed[1]["lines"][0]["released_at"] is not None
    assert listed[0]["lines"] == []


def test_pages_of_one_shipment_each_render_each_as_its_detail_does(
    api_client, manager, shipments_with_history
):
    """Each page asks its lines, lots and events by other keys (the SQL compiled once)."""
    api_client.force_authenticate(manager)
    for page in (1, 2, 3, 1):
        response = api_client.get(f"/api/v1/shipments/?page_size=1&page={page}")
        (item,) = response.json()["results"]
        shipment = shipment_selectors.shipment_list().get(pk=item["id"])
        assert json.dumps(item) == json.dumps(plain(ShipmentSerializer(shipment).data))


def test_a_page_of_plain_values_is_written_byte_for_byte_as_drf_writes_it(
    api_client, manager, shipments_with_history, logistics_officer
):
    moving = shipments_with_history[0]
    services.shipment_update(
        shipment=moving,
        actor=logistics_officer,
        notes='Keep dry\u2028(line two)\u2029 \t"quoted" \\ back\x01slash – 易碎 📦',
    )
    api_client.force_authenticate(manager)
    response = api_client.get("/api/v1/shipments/?page_size=50")
    assert response.data["results"].serializer.renders_plain  # written by sfiec's renderer
    assert response.content == JSONRenderer().render(response.data)  # DRF's bytes
    assert b"\\u2028" in response.content and "易碎".encode() in response.content
    indented = api_client.get(
        "/api/v1/shipments/?page_size=50", HTTP_ACCEPT="application/json; indent=2"
    )
    assert json.loads(indented.content) == json.loads(response.content)


def test_a_list_of_prefetched_or_lazy_nested_rows_renders_as_drf_does(shipments_with_history):
    prefetched = Shipment.objects.prefetch_related(
        Prefetch("lines", ShipmentLine.objects.select_related("lot").order_by("id")), "events"
    )
    for shipments in (prefetched, Shipment.objects.all()):
        expected = [plain(ShipmentSerializer(s).data) for s in shipments]
        assert plain(ShipmentSerializer(shipments, many=True).data) == expected


def test_rows_read_from_values_render_as_the_instances_do(shipments_with_history):
    rows = Shipment.objects.values(*values_columns(ShipmentSerializer))
    expected = [plain(ShipmentSerializer(s).data) for s in Shipment.objects.all()]
    assert plain(ShipmentSerializer(rows, many=True).data) == expected


def test_datetimes_are_rendered_in_the_time_zone_of_the_request(shipments_with_history):
    for zone in ("UTC", "America/Lima"):
        with timezone.override(zone):
            rows = Shipment.objects.values(*values_columns(ShipmentSerializer))
            data = plain(ShipmentSerializer(rows, many=True).data)
            assert data == [plain(ShipmentSerializer(s).data) for s in Shipment.objects.all()]
    assert data[0]["created_at"].endswith("-05:00")


class LotNotes(serializers.ModelSerializer):
    """Fields the plan leaves to DRF: a method field, and a dotted source through a null."""

    label = serializers.SerializerMethodField()
    standard_body = serializers.CharField(source="standard.body", read_only=True)
    available = serializers.IntegerField(source="quantity_available", read_only=True)

    class Meta:
        model = MaterialLot
        fields = ["id", "label", "standard_body", "available"]
        list_serializer_class = ReadOnlyListSerializer

    def get_label(self, lot) -> str:
        return f"{lot.reference} for {self.context.get('reader', 'nobody')}"


def test_method_fields_and_nulls_on_the_way_go_drf_s_own_way(varied_lots):
    lots = MaterialLot.objects.select_related("standard")
    context = {"reader": "the auditor"}
    rendered = plain(LotNotes(lots, many=True, context=context).data)
    assert rendered == [plain(LotNotes(lot, context=context).data) for lot in lots]
    without_standard = [item for item in rendered if "standard_body" not in item]
    assert without_standard and all("the auditor" in item["label"] for item in rendered)


def test_a_field_that_names_no_column_cannot_be_read_from_values():
    with pytest.raises(ImproperlyConfigured, match="LotNotes.label"):
        values_columns(LotNotes)
