"""A need moves with what reaches its city: a cancelled or changed shipment gives reserved units
back to the reservation, and deliveries (through a match or of lots offered against the need)
count towards it."""

import pytest

from donations import services as donation_services
from donations.models import MaterialLot, Need
from shipments import selectors, services
from shipments.models import NeedMatch, ShipmentLine
from tests import factories

from .test_matching import _check, _received

pytestmark = pytest.mark.django_db


@pytest.fixture
def reserved(need, coordinator, logistics_officer):
    """A lot of 10,000 units, 4,000 of them reserved for the need."""
    lot = _received(coordinator)
    _check(lot, "pass")
    match = services.need_match_confirm(need=need, lot=lot, quantity=4000, actor=logistics_officer)
    return lot, match


@pytest.fixture
def to_milan(need, logistics_officer):
    return services.shipment_create(
        city=need.city, consignee=need.recipient, created_by=logistics_officer
    )


def _deliver(shipment, actor, clear_compliance):
    clear_compliance(shipment)
    for target in ("ready", "booked", "in_transit", "arrived", "delivered"):
        services.shipment_transition(shipment=shipment, target=target, actor=actor)


def _state(lot, match, need):
    lot.refresh_from_db()
    match.refresh_from_db()
    need.refresh_from_db()
    return {
        "lot": (lot.quantity_allocated, lot.quantity_reserved, lot.quantity_available),
        "match_allocated": match.quantity_allocated,
        "need": (need.status, need.quantity_matched, need.quantity_delivered),
    }


def test_cancelling_a_shipment_gives_reserved_units_back_to_the_reservation(
    need, reserved, to_milan, logistics_officer
):
    lot, match = reserved
    # Free stock goes first; the last 4,000 units come from the reservation.
    services.shipment_allocate(shipment=to_milan, lot=lot, quantity=10_000, actor=logistics_officer)
    assert _state(lot, match, need)["lot"] == (10_000, 0, 0)
    assert _state(lot, match, need)["match_allocated"] == 4000

    services.shipment_transition(shipment=to_milan, target="cancelled", actor=logistics_officer)

    assert _state(lot, match, need) == {
        "lot": (0, 4000, 6000),
        "match_allocated": 0,
        "need": (Need.Status.PARTLY_MET, 4000, 0),
    }
    # The units are reserved for Milan again: the next shipment there is offered them first.
    assert [each.pk for each in selectors.reserved_lots_for_city(need.city)] == [lot.pk]


def test_removing_a_line_gives_reserved_units_back_to_the_reservation(
    need, reserved, to_milan, logistics_officer
):
    lot, match = reserved
    line = services.shipment_allocate(
        shipment=to_milan, lot=lot, quantity=8000, actor=logistics_officer
    )
    assert _state(lot, match, need)["match_allocated"] == 2000
    services.shipment_deallocate(line=line, actor=logistics_officer)
    assert _state(lot, match, need)["lot"] == (0, 4000, 6000)
    assert _state(lot, match, need)["match_allocated"] == 0
    assert not ShipmentLine.objects.exists()


def test_a_released_match_gives_back_to_free_stock_what_a_cancelled_shipment_returns(
    need, reserved, to_milan, logistics_officer
):
    lot, match = reserved
    services.shipment_allocate(shipment=to_milan, lot=lot, quantity=10_000, actor=logistics_officer)
    services.need_match_release(match=match, actor=logistics_officer, reason="sent elsewhere")
    # The units on the shipment still go to Milan for this need.
    assert _state(lot, match, need)["need"] == (Need.Status.PARTLY_MET, 4000, 0)

    services.shipment_transition(shipment=to_milan, target="cancelled", actor=logistics_officer)

    assert _state(lot, match, need) == {
        "lot": (0, 0, 10_000),
        "match_allocated": 0,
        "need": (Need.Status.OPEN, 0, 0),
    }


def test_delivering_reserved_units_counts_them_as_delivered(
    need, reserved, to_milan, logistics_officer, clear_compliance
):
    lot, match = reserved
    services.shipment_allocate(shipment=to_milan, lot=lot, quantity=10_000, actor=logistics_officer)
    _deliver(to_milan, logistics_officer, clear_compliance)
    # 4,000 of the 10,000 units came from the reservation; the other 6,000 were free stock, not
    # the need's (the lot was not offered against it).
    assert _state(lot, match, need)["need"] == (Need.Status.PARTLY_MET, 4000, 4000)
    assert NeedMatch.objects.get().status == NeedMatch.Status.CONFIRMED


def test_lots_offered_against_a_need_move_it_when_delivered_to_its_city(
    need, coordinator, to_milan, logistics_officer, clear_compliance
):
    offered = _received(coordinator)
    offer = offered.offer
    offer.need = need
    offer.save(update_fields=["need"])
    services.shipment_allocate(
        shipment=to_milan, lot=offered, quantity=3000, actor=logistics_officer
    )
    need.refresh_from_db()
    assert (need.status, need.quantity_matched, need.quantity_delivered) == (Need.Status.OPEN, 0, 0)

    _deliver(to_milan, logistics_officer, clear_compliance)

    need.refresh_from_db()
    assert (need.status, need.quantity_matched, need.quantity_delivered) == (
        Need.Status.PARTLY_MET,
        3000,
        3000,
    )
    assert selectors.need_list().get(pk=need.pk).quantity_unmet == 2000


def test_a_delivery_beyond_the_need_meets_it_and_leaves_nothing_unmet(
    need, coordinator, to_milan, logistics_officer, clear_compliance
):
    offered = _received(coordinator)
    offered.offer.need = need
    offered.offer.save(update_fields=["need"])
    services.shipment_allocate(
        shipment=to_milan, lot=offered, quantity=8000, actor=logistics_officer
    )
    _deliver(to_milan, logistics_officer, clear_compliance)
    need.refresh_from_db()
    assert need.status == Need.Status.MET and need.quantity_delivered == 8000
    assert selectors.need_list().get(pk=need.pk).quantity_unmet == 0
    from donations.selectors import unmet_needs_by_city_category

    assert all(row["quantity_unmet"] >= 0 for row in unmet_needs_by_city_category())


def test_a_delivery_elsewhere_does_not_count(
    need, coordinator, logistics_officer, clear_compliance
):
    offered = _received(coordinator)
    offered.offer.need = need
    offered.offer.save(update_fields=["need"])
    busan = factories.SisterCityFactory(slug="busan", name="Busan", country="KR")
    to_busan = services.shipment_create(
        city=busan, consignee=factories.RecipientFactory(city=busan), created_by=logistics_officer
    )
    services.shipment_allocate(
        shipment=to_busan, lot=offered, quantity=3000, actor=logistics_officer
    )
    _deliver(to_busan, logistics_officer, clear_compliance)
    need.refresh_from_db()
    assert (need.status, need.quantity_delivered) == (Need.Status.OPEN, 0)
    assert MaterialLot.objects.get(pk=offered.pk).quantity_allocated == 3000


def test_met_and_partly_met_are_never_set_by_hand(need, coordinator, client):
    from sfiec.exceptions import DomainError

    for target in (Need.Status.PARTLY_MET, Need.Status.MET):
        with pytest.raises(DomainError, match="paused, resumed or closed by hand"):
            donation_services.need_transition(need=need, actor=coordinator, target=target)
    client.force_login(coordinator)
    response = client.post(
        f"/api/v1/needs/{need.pk}/transition/", {"status": "met"}, content_type="application/json"
    )
    assert response.status_code == 400 and "status" in response.json()["error"]["fields"]
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN


def test_resuming_a_paused_need_lands_where_its_matches_say(
    need, reserved, coordinator, logistics_officer
):
    donation_services.need_transition(need=need, actor=coordinator, target=Need.Status.PAUSED)
    need.refresh_from_db()
    assert (need.status, need.quantity_matched) == (Need.Status.PAUSED, 4000)
    donation_services.need_transition(need=need, actor=coordinator, target=Need.Status.OPEN)
    need.refresh_from_db()
    assert need.status == Need.Status.PARTLY_MET


def test_staff_see_matched_delivered_and_the_units_on_shipments(
    need, reserved, to_milan, logistics_officer, clear_compliance, client, manager
):
    lot, match = reserved
    services.shipment_allocate(shipment=to_milan, lot=lot, quantity=10_000, actor=logistics_officer)
    _deliver(to_milan, logistics_officer, clear_compliance)
    client.force_login(logistics_officer)
    page = client.get(f"/staff/needs/{need.pk}/").content.decode()
    assert "1,000 of 5,000 still unmet; 4,000 delivered to the city." in page
    api = client.get(f"/api/v1/needs/{need.pk}/").json()
    assert (api["quantity_matched"], api["quantity_delivered"], api["quantity_unmet"]) == (
        4000,
        4000,
        1000,
    )
    client.force_login(manager)
    admin_page = client.get(f"/admin/shipments/needmatch/{match.pk}/change/")
    assert admin_page.status_code == 200
    assert to_milan.reference in admin_page.content.decode()  # the allocation's line


def test_a_second_click_on_confirm_reserves_nothing_more(need, coordinator, client):
    lot = _received(coordinator)
    _check(lot, "pass")
    client.force_login(coordinator)
    page = client.get(f"/staff/needs/{need.pk}/").content.decode()
    assert 'name="matched_seen" value="0"' in page
    body = {"lot": lot.pk, "quantity": 1000, "matched_seen": 0}
    client.post(f"/staff/needs/{need.pk}/confirm/", body)
    second = client.post(f"/staff/needs/{need.pk}/confirm/", body, follow=True)
    assert "The need changed since the page was shown: 1000 units are matched now." in (
        second.content.decode()
    )
    assert list(NeedMatch.objects.values_list("quantity", flat=True)) == [1000]
    lot.refresh_from_db()
    assert lot.quantity_reserved == 1000
