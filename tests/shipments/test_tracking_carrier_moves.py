"""A carrier's tracking token reports the goods moving: booked, in transit, arrived,
delivered. It may not cancel the shipment (which would give its lots back), send it back to
planning, or confirm the receipt: those stay with staff."""

import pytest

from shipments.models import ShipmentLine

from .test_tracking_api import _push, _token, booked  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("target", ["cancelled", "draft", "ready", "closed", "receipt_confirmed"])
def test_a_tracking_token_cannot_make_a_staff_move(
    api_client,
    booked,  # noqa: F811
    logistics_officer,
    target,
):
    _row, secret = _token(booked, logistics_officer)

    response = _push(api_client, booked, secret, status=target, note="The carrier says so")

    assert response.status_code == 403
    assert "in transit" in response.json()["error"]["message"]
    booked.refresh_from_db()
    assert booked.status == "booked"
    assert not ShipmentLine.objects.filter(released_at__isnull=False).exists()


def test_a_tracking_token_still_reports_the_goods_moving(
    api_client,
    booked,  # noqa: F811
    logistics_officer,
):
    _row, secret = _token(booked, logistics_officer)

    for target in ("in_transit", "arrived", "delivered"):
        response = _push(api_client, booked, secret, status=target)
        assert response.status_code == 201, response.json()
    booked.refresh_from_db()
    assert booked.status == "delivered"
