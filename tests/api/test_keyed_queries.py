"""sfiec.keyed_queries: a query by a list of keys, compiled once, answers as the ORM does."""

import pytest

from sfiec.keyed_queries import RowsByKeys
from shipments.models import TrackingEvent
from tests import factories

pytestmark = pytest.mark.django_db


def events_of(keys):
    return (
        TrackingEvent.objects.filter(shipment__in=keys)
        .order_by("shipment", "occurred_at", "id")
        .values_list("id", "status", "occurred_at", "shipment_id")
    )


@pytest.fixture
def shipments(logistics_officer):
    from shipments import services

    made = []
    for _n in range(4):
        shipment = factories.ShipmentFactory()
        services.shipment_transition(shipment=shipment, target="cancelled", actor=logistics_officer)
        made.append(shipment.pk)
    return made


def test_rows_by_other_keys_of_the_same_number_are_the_orm_s(shipments, django_assert_num_queries):
    query = RowsByKeys(TrackingEvent, events_of)
    first, second = shipments[:2], shipments[2:]
    assert query.rows(first) == list(events_of(first))
    assert len(query.compiled) == 1
    with django_assert_num_queries(1):
        rows = query.rows(second)
    assert rows == list(events_of(second)) and rows  # datetimes converted as the ORM does
    assert {row[-1] for row in rows} == set(second)
    assert query.rows(shipments[:1]) == list(events_of(shipments[:1]))
    assert len(query.compiled) == 2


def test_a_query_with_another_parameter_is_not_compiled_and_still_right(shipments):
    def cancelled_events_of(keys):
        return events_of(keys).filter(status="cancelled")

    query = RowsByKeys(TrackingEvent, cancelled_events_of)
    for keys in (shipments[:2], shipments[2:]):
        assert query.rows(keys) == list(cancelled_events_of(keys))
    assert query.compiled == {}
