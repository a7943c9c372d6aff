"""Fixtures of the attack tests: a Milan need and received, checked lots."""

import datetime as dt

import pytest

from compliance.models import ComplianceCheck
from donations import services as donation_services
from tests import factories
from tests.shipments.test_matching import _check, _received


@pytest.fixture
def need(milan, coordinator):
    """A Milan recipient's need of 5,000 non-medical respirators."""
    return donation_services.need_create(
        recipient=factories.RecipientFactory(city=milan),
        city=milan,
        actor=coordinator,
        category="respirator_nonmedical",
        quantity=5000,
        needed_by=dt.date(2027, 1, 15),
    )


@pytest.fixture
def passing_lot(coordinator):
    """A received lot of 10,000 respirators whose check for Italy passes."""
    lot = _received(coordinator)
    # Where on-commit work runs (transactional tests), intake already checked it.
    ComplianceCheck.objects.filter(lot=lot).delete()
    _check(lot, "pass")
    return lot


@pytest.fixture
def shipment_to_milan(milan, logistics_officer):
    """A draft shipment to the need's city."""
    from shipments import services

    consignee = factories.RecipientFactory(city=milan)
    return services.shipment_create(city=milan, consignee=consignee, created_by=logistics_officer)
