"""Correcting a need's quantity (staff through the API, the recipient through its link) moves
its status with its figures: a met need asked for more is partly met again and can be matched,
a paused need whose matches now cover it resumes as met. A need with reservations keeps its
category."""

import pytest
from django.urls import reverse

from donations.models import Need
from shipments import services

pytestmark = pytest.mark.django_db


def _patch(api_client, user, need, data):
    api_client.force_authenticate(user)
    return api_client.patch(reverse("api:need-detail", args=[need.pk]), data, format="json")


def _move(api_client, user, need, status):
    api_client.force_authenticate(user)
    return api_client.post(
        reverse("api:need-transition", args=[need.pk]), {"status": status}, format="json"
    )


def test_a_met_need_asked_for_more_is_partly_met_and_takes_another_match(
    api_client, need, coordinator, passing_lot
):
    services.need_match_confirm(need=need, lot=passing_lot, actor=coordinator, quantity=5000)
    need.refresh_from_db()
    assert need.status == Need.Status.MET

    response = _patch(api_client, coordinator, need, {"quantity": 8000})

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["quantity_unmet"]) == ("partly_met", 3000)
    services.need_match_confirm(need=need, lot=passing_lot, actor=coordinator)
    need.refresh_from_db()
    assert (need.status, need.quantity_matched) == (Need.Status.MET, 8000)


def test_a_partly_met_need_cut_to_what_is_matched_is_met(
    api_client, need, coordinator, passing_lot
):
    services.need_match_confirm(need=need, lot=passing_lot, actor=coordinator, quantity=3000)

    response = _patch(api_client, coordinator, need, {"quantity": 3000})

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "met"


def test_a_paused_need_whose_matches_now_cover_it_resumes_as_met(
    api_client, need, coordinator, passing_lot
):
    services.need_match_confirm(need=need, lot=passing_lot, actor=coordinator, quantity=3000)
    assert _move(api_client, coordinator, need, "paused").status_code == 200
    assert _patch(api_client, coordinator, need, {"quantity": 2000}).json()["status"] == "paused"

    response = _move(api_client, coordinator, need, "open")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "met"


def test_a_need_with_reservations_keeps_its_category(api_client, need, coordinator, passing_lot):
    services.need_match_confirm(need=need, lot=passing_lot, actor=coordinator, quantity=3000)

    response = _patch(api_client, coordinator, need, {"category": "gloves", "quantity": 9000})

    assert response.status_code == 409, response.json()
    assert "categor" in response.json()["error"]["message"]
    need.refresh_from_db()
    assert (need.category, need.quantity) == ("respirator_nonmedical", 5000)


@pytest.mark.parametrize(("reserved", "status"), [(3000, "partly_met"), (5000, "met")])
def test_asking_to_open_a_matched_need_by_hand_keeps_the_status_its_figures_give(
    api_client, need, coordinator, passing_lot, reserved, status
):
    services.need_match_confirm(need=need, lot=passing_lot, actor=coordinator, quantity=reserved)

    response = _move(api_client, coordinator, need, "open")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == status
    need.refresh_from_db()
    assert (need.status, need.quantity_matched) == (status, reserved)
