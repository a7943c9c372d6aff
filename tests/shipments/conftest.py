"""Fixtures of the shipment workspace tests: a Milan shipment and lots ready to allocate."""

import datetime as dt

import pytest

from donations import services as donation_services
from shipments import services
from tests import factories


@pytest.fixture
def milan_consignee(db):
    city = factories.SisterCityFactory()
    consignee = factories.RecipientFactory(city=city, name="Ospedale Sacco")
    factories.ContactFactory(organisation=consignee, name="Giulia Rossi")
    return consignee


@pytest.fixture
def shipment(milan_consignee, logistics_officer):
    return services.shipment_create(
        city=milan_consignee.city, consignee=milan_consignee, created_by=logistics_officer
    )


@pytest.fixture
def make_received_lot(db, coordinator):
    """A lot received in full at the warehouse (10,000 units, 500 per carton by default)."""

    def make(**values):
        lot = factories.LotFactory(**values)
        donation_services.offer_start_review(offer=lot.offer, actor=coordinator)
        donation_services.offer_accept(offer=lot.offer, actor=coordinator)
        return donation_services.lot_intake(
            lot=lot, actor=coordinator, result="accepted", quantity_received=lot.quantity_offered
        )

    return make


@pytest.fixture
def need(milan, coordinator):
    """A Milan recipient's need of 5,000 non-medical respirators, with an English contact."""
    recipient = factories.RecipientFactory(city=milan)
    factories.ContactFactory(organisation=recipient, email="ward@ospedale.example", language="en")
    return donation_services.need_create(
        recipient=recipient,
        city=milan,
        actor=coordinator,
        category="respirator_nonmedical",
        quantity=5000,
        needed_by=dt.date(2027, 1, 15),
    )
