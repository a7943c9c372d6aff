"""The benchmark's seeder at a small size, so it cannot rot as the models change."""

from django.core.exceptions import ValidationError
from django.db.models import F, Sum

from bench.seed_scale import Sizes, seed
from compliance.models import ComplianceCheck
from donations.models import DonationOffer, MaterialLot, Need
from partners.models import Organisation
from shipments.models import (
    ReceiptEvidence,
    Shipment,
    ShipmentGoods,
    ShipmentLeadTime,
    ShipmentLine,
    TrackingEvent,
)

SMALL = Sizes(lots=50, organisations=40, shipments=8, evidence=12, needs=3)


def test_seed_writes_every_table_at_the_sizes_asked_and_keeps_the_rules(db):
    counts = seed(SMALL)

    assert MaterialLot.objects.count() == counts["lots"] == 50
    assert Organisation.objects.count() == 40
    assert Shipment.objects.count() == 8
    assert ReceiptEvidence.objects.count() == 12
    assert ShipmentLine.objects.exists() and TrackingEvent.objects.exists()
    # the dashboard's rollups of the shipments that left, as the services would have kept them
    assert ShipmentGoods.objects.count() == counts["shipment_goods"] > 0
    assert ShipmentLeadTime.objects.count() == counts["shipment_lead_times"] > 0
    # one current check per lot
    assert ComplianceCheck.objects.filter(is_current=True).count() == 50
    # a lot's allocation is what its active lines hold
    for lot in MaterialLot.objects.filter(quantity_allocated__gt=0):
        active = lot.shipment_lines.filter(released_at__isnull=True).aggregate(n=Sum("quantity"))
        assert active["n"] == lot.quantity_allocated
    assert not MaterialLot.objects.filter(quantity_allocated__gt=F("quantity_received")).exists()
    # the rows pass the models' own validation, not just the database's constraints
    for lot in MaterialLot.objects.all()[:20]:
        try:
            lot.full_clean()
        except ValidationError as error:  # pragma: no cover - the assertion names the field
            raise AssertionError(f"{lot.reference}: {error}") from error


def _fingerprint():
    return (
        list(MaterialLot.objects.order_by("pk").values_list("reference", "quantity_offered")),
        list(Shipment.objects.order_by("pk").values_list("reference", "status", "city__slug")),
        list(ComplianceCheck.objects.order_by("pk").values_list("country", "result")),
    )


def test_seed_is_deterministic(db):
    first = seed(SMALL)
    rows = _fingerprint()
    Shipment.objects.all().delete()
    DonationOffer.objects.all().delete()
    Need.objects.all().delete()
    Organisation.objects.all().delete()

    assert seed(SMALL) == first
    assert _fingerprint() == rows
