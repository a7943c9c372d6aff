"""Lead times from offer to dispatch, delivery and receipt: median and 90th percentile.

Computed in the database with percentile_cont on PostgreSQL and over the fetched durations on
SQLite; both must give the same figures (run with DATABASE_URL=postgres://… for the former).
"""

import datetime as dt

import pytest
from django.utils import timezone

from dashboard.selectors import chart_lead_times, percentile_cont
from donations.models import DonationOffer
from shipments.models import ShipmentLine, TrackingEvent
from shipments.rollups import shipment_rollups_refresh
from tests import factories

pytestmark = pytest.mark.django_db

START = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))


def _offer_shipped(
    days_to_dispatch, days_to_delivery=None, days_to_receipt=None, status="in_transit"
):
    lot = factories.LotFactory(quantity_received=10_000, status="received")
    DonationOffer.objects.filter(pk=lot.offer_id).update(submitted_at=START)
    shipment = factories.ShipmentFactory(status=status)
    ShipmentLine.objects.create(shipment=shipment, lot=lot, quantity=10)
    for status, days in [
        ("in_transit", days_to_dispatch),
        ("delivered", days_to_delivery),
        ("receipt_confirmed", days_to_receipt),
    ]:
        if days is not None:
            TrackingEvent.objects.create(
                shipment=shipment, status=status, occurred_at=START + dt.timedelta(days=days)
            )
    # Rows written by hand, not through shipment_transition: refresh what it would have.
    shipment_rollups_refresh(shipment_ids=[shipment.pk])
    return shipment


def _lead_times():
    return {item["key"]: item for item in chart_lead_times()["items"]}


def test_percentile_cont_interpolates_like_postgresql():
    assert percentile_cont([], 0.5) is None
    assert percentile_cont([4.0], 0.9) == 4.0
    assert percentile_cont([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile_cont([10.0, 20.0, 30.0, 40.0, 50.0], 0.9) == pytest.approx(46.0)


def _known_set():
    # dispatch after 10, 20, 30, 40 and 50 days; three delivered (15, 25, 35 days after
    # the offer came in), one receipt confirmed (60 days).
    _offer_shipped(10, 15)
    _offer_shipped(20, 25, 60)
    _offer_shipped(30, 35)
    _offer_shipped(40)
    _offer_shipped(50)
    # A cancelled shipment's times never count.
    _offer_shipped(1, 2, 3, status="cancelled")


def _assert_known_figures():
    times = _lead_times()
    assert times["dispatch"] == {**times["dispatch"], "median": 30.0, "p90": 46.0, "count": 5}
    assert times["delivery"] == {**times["delivery"], "median": 25.0, "p90": 33.0, "count": 3}
    assert times["receipt"] == {**times["receipt"], "median": 60.0, "p90": 60.0, "count": 1}


def test_lead_times_for_a_known_set():
    _known_set()
    _assert_known_figures()


@pytest.mark.postgres
def test_lead_times_on_postgresql_are_computed_in_the_database(django_assert_num_queries):
    from tests.services import require_postgres

    require_postgres()
    _known_set()
    with django_assert_num_queries(1) as captured:
        _assert_known_figures()
    assert "percentile_cont" in captured.captured_queries[0]["sql"]


def test_an_offer_on_two_shipments_counts_once_per_shipment():
    first = _offer_shipped(10)
    lot = first.lines.get().lot
    second = factories.ShipmentFactory(status="in_transit")
    ShipmentLine.objects.create(shipment=second, lot=lot, quantity=10)
    TrackingEvent.objects.create(
        shipment=second, status="in_transit", occurred_at=START + dt.timedelta(days=20)
    )
    shipment_rollups_refresh(shipment_ids=[second.pk])
    times = _lead_times()
    assert (times["dispatch"]["count"], times["dispatch"]["median"]) == (2, 15.0)


def test_no_shipments_gives_no_figures():
    times = _lead_times()
    assert times["dispatch"] == {**times["dispatch"], "median": None, "p90": None, "count": 0}
