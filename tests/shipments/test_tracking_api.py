"""Tracking: staff make and revoke tokens on the shipment page; a carrier's token may only add
events to its own shipment, and those events move the status through the service."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from shipments import services, tracking
from shipments.models import Shipment, TrackingToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(shipment, make_received_lot, logistics_officer, clear_compliance):
    """The Milan shipment with one line, cleared, ready and booked."""
    lot = make_received_lot()
    services.shipment_allocate(shipment=shipment, lot=lot, quantity=100, actor=logistics_officer)
    clear_compliance(shipment)
    for target in ("ready", "booked"):
        services.shipment_transition(shipment=shipment, target=target, actor=logistics_officer)
    return shipment


def _events_url(shipment):
    return f"/api/v1/shipments/{shipment.pk}/events/"


def _push(api_client, shipment, secret, **body):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api_client.post(
        _events_url(shipment), {"status": "in_transit", "location": "PVG", **body}, format="json"
    )


def _token(shipment, actor, days=30):
    return tracking.tracking_token_create(
        shipment=shipment, actor=actor, label="China Eastern Cargo", valid_days=days
    )


def test_staff_make_a_token_on_the_page_and_see_its_secret_once(
    client, login, logistics_officer, booked
):
    login(logistics_officer)
    response = client.post(
        reverse("shipments:token-create", args=[booked.reference]),
        {"label": "China Eastern Cargo", "valid_days": 30},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = re.search(r'value="(trk_[^"]+)"', response.text).group(1)
    token = TrackingToken.objects.get()
    assert token.key_hash == tracking.tracking_token_digest(secret)
    assert token.prefix == secret[:10]
    assert token.created_by == logistics_officer
    page = client.get(reverse("shipments:detail", args=[booked.reference])).text
    assert token.prefix in page and secret not in page


def test_a_viewer_may_neither_make_nor_revoke_a_token(
    client, login, viewer, booked, logistics_officer
):
    token, _secret = _token(booked, logistics_officer)
    login(viewer)
    make = client.post(
        reverse("shipments:token-create", args=[booked.reference]),
        {"label": "x", "valid_days": 3},
    )
    revoke = client.post(reverse("shipments:token-revoke", args=[booked.reference, token.pk]))
    assert (make.status_code, revoke.status_code) == (403, 403)
    assert TrackingToken.objects.get().revoked_at is None


def test_the_token_of_the_shipment_adds_an_event_that_moves_the_status(
    api_client, booked, logistics_officer
):
    _token_row, secret = _token(booked, logistics_officer)
    occurred = timezone.now()
    response = _push(api_client, booked, secret, occurred_at=occurred.isoformat(), note="MU787")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["from_status"], body["status"], body["location"], body["source"]) == (
        "booked",
        "in_transit",
        "PVG",
        "api",
    )
    booked.refresh_from_db()
    assert booked.status == "in_transit"
    event = booked.events.latest("id")
    assert event.occurred_at == occurred.replace(microsecond=event.occurred_at.microsecond)
    assert TrackingToken.objects.get().last_used_at is not None


def test_an_impossible_move_pushed_by_a_carrier_is_refused_with_the_reason(
    api_client, booked, logistics_officer
):
    _token_row, secret = _token(booked, logistics_officer)
    response = _push(api_client, booked, secret, status="delivered")
    assert response.status_code == 409
    assert "cannot move" in response.json()["error"]["message"]
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_a_token_is_refused_on_another_shipment(
    api_client, booked, logistics_officer, milan_consignee
):
    other = services.shipment_create(city=milan_consignee.city, consignee=milan_consignee)
    _token_row, secret = _token(other, logistics_officer)
    response = _push(api_client, booked, secret)
    assert response.status_code == 403
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_an_expired_token_is_refused(api_client, booked, logistics_officer):
    token, secret = _token(booked, logistics_officer, days=1)
    # Two days later.
    TrackingToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    response = _push(api_client, booked, secret)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_a_revoked_token_is_refused(client, login, api_client, booked, logistics_officer):
    token, secret = _token(booked, logistics_officer)
    login(logistics_officer)
    response = client.post(reverse("shipments:token-revoke", args=[booked.reference, token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert (token.revoked_by, token.revoked_at is not None) == (logistics_officer, True)
    assert _push(api_client, booked, secret).status_code == 401


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"),
        lambda s: s + "x",
        lambda s: s.replace("trk_", "trk-"),
        lambda s: "trk_",
    ],
)
def test_a_tampered_token_is_refused(api_client, booked, logistics_officer, tamper):
    _token_row, secret = _token(booked, logistics_officer)
    assert _push(api_client, booked, tamper(secret)).status_code == 401
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_a_token_may_do_nothing_else(api_client, booked, logistics_officer):
    _token_row, secret = _token(booked, logistics_officer)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api_client.get(_events_url(booked)).status_code == 403
    assert api_client.get("/api/v1/shipments/").status_code in (401, 403)
    assert api_client.get(f"/api/v1/shipments/{booked.pk}/").status_code in (401, 403)
    transition = api_client.post(
        f"/api/v1/shipments/{booked.pk}/transition/", {"status": "in_transit"}, format="json"
    )
    assert transition.status_code in (401, 403)
    assert api_client.get("/api/v1/lots/").status_code in (401, 403)
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_staff_list_the_events_in_time_order_and_only_writers_add_them(
    api_client, booked, viewer, logistics_officer
):
    api_client.force_authenticate(viewer)
    listed = api_client.get(_events_url(booked))
    assert listed.status_code == 200
    assert [e["status"] for e in listed.json()["results"]] == ["draft", "ready", "booked"]
    refused = api_client.post(_events_url(booked), {"status": "in_transit"}, format="json")
    assert refused.status_code == 403
    api_client.force_authenticate(logistics_officer)
    added = api_client.post(
        _events_url(booked), {"status": "in_transit", "location": "SZX"}, format="json"
    )
    assert added.status_code == 201
    assert Shipment.objects.get(pk=booked.pk).status == "in_transit"


def test_a_token_cannot_be_made_for_a_closed_shipment(logistics_officer, shipment):
    from sfiec.exceptions import DomainError

    services.shipment_transition(
        shipment=shipment, target="cancelled", actor=logistics_officer, note="no flight"
    )
    with pytest.raises(DomainError):
        _token(shipment, logistics_officer)


def test_anonymous_callers_cannot_list_events(api_client, booked):
    assert api_client.get(_events_url(booked)).status_code in (401, 403)
