"""One unit fills one need: units of a lot offered against one need that were reserved for
another need of the same city count for that other need only, once delivered."""

import pytest

from donations import services as donation_services
from donations.models import Need
from shipments import services

from .test_matching import _check, _received
from .test_need_progress import _deliver, to_milan  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def test_reserved_units_of_a_lot_offered_against_another_need_count_once(
    need,
    coordinator,
    logistics_officer,
    to_milan,  # noqa: F811
    clear_compliance,
):
    other = donation_services.need_create(
        recipient=need.recipient,
        city=need.city,
        actor=coordinator,
        category=need.category,
        quantity=5000,
    )
    # 10,000 units offered against ``need``; 1,000 of them reserved for ``other``.
    lot = _received(coordinator)
    lot.offer.need = need
    lot.offer.save(update_fields=["need"])
    _check(lot, "pass")
    services.need_match_confirm(need=other, lot=lot, quantity=1000, actor=logistics_officer)
    services.shipment_allocate(shipment=to_milan, lot=lot, quantity=10_000, actor=logistics_officer)

    _deliver(to_milan, logistics_officer, clear_compliance)

    need.refresh_from_db()
    other.refresh_from_db()
    assert (other.status, other.quantity_matched, other.quantity_delivered) == (
        Need.Status.PARTLY_MET,
        1000,
        1000,
    )
    assert (need.status, need.quantity_matched, need.quantity_delivered) == (
        Need.Status.MET,
        9000,
        9000,
    )
    assert need.quantity_delivered + other.quantity_delivered == 10_000
