"""The database refuses invalid rows even when code bypasses the services."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from donations.models import DonationOffer, MaterialLot
from shipments.models import Shipment, ShipmentLine
from tests import factories


def _refused(queryset, **values):
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**values)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values",
    [
        {"quantity_offered": 0},
        {"quantity_received": 10_001},
        {"quantity_allocated": 1},
        {"gross_weight_kg": -1},
        {"net_weight_kg": 500},
        {"unit_value": -0.01},
        {"manufactured_on": dt.date(2030, 1, 1)},
        {"status": "lost"},
        {"category": "spaceship"},
    ],
    ids=lambda v: next(iter(v)),
)
def test_lot_invariants_are_database_constraints(values):
    lot = factories.LotFactory()
    _refused(MaterialLot.objects.filter(pk=lot.pk), **values)


@pytest.mark.django_db
def test_allocated_cannot_exceed_received(received_lot):
    _refused(
        MaterialLot.objects.filter(pk=received_lot.pk),
        quantity_allocated=received_lot.quantity_received + 1,
    )


@pytest.mark.django_db
def test_references_are_unique():
    offer = factories.OfferFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.OfferFactory(reference=offer.reference)


@pytest.mark.django_db
def test_statuses_must_be_valid():
    _refused(DonationOffer.objects.filter(pk=factories.OfferFactory().pk), status="approved")
    _refused(Shipment.objects.filter(pk=factories.ShipmentFactory().pk), status="lost")


@pytest.mark.django_db
def test_one_line_per_lot_per_shipment(received_lot):
    shipment = factories.ShipmentFactory()
    ShipmentLine.objects.create(shipment=shipment, lot=received_lot, quantity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ShipmentLine.objects.create(shipment=shipment, lot=received_lot, quantity=2)


@pytest.mark.django_db
def test_line_quantity_is_positive(received_lot):
    with pytest.raises(IntegrityError), transaction.atomic():
        ShipmentLine.objects.create(
            shipment=factories.ShipmentFactory(), lot=received_lot, quantity=0
        )


@pytest.mark.django_db
def test_references_read_like_the_paper_files():
    offer = factories.OfferFactory()
    shipment = factories.ShipmentFactory()
    year = dt.date.today().year
    assert offer.reference.startswith(f"OFF-{year}-") and len(offer.reference) == len(
        "OFF-2026-00042"
    )
    assert shipment.reference.startswith(f"SHP-{year}-") and len(shipment.reference) == len(
        "SHP-2026-0007"
    )
