"""A NUL character (%00) in the address, the query or a form field is a 400 that says so.

PostgreSQL cannot hold or compare text with NUL in it: every lookup by such a value (a
shipment reference in the address, a filter in the query, a release reason) was a 500, for
anonymous visitors of the public trace page too. Nothing is changed."""

import pytest
from django.test import Client
from django.urls import reverse

from shipments import services
from shipments.models import NeedMatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def anyone():
    return Client(raise_request_exception=False)


def test_the_public_trace_page_refuses_a_nul_token(anyone):
    response = anyone.get("/trace/%00/")

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/staff/shipments/SHP-%00/",
        "/staff/shipments/new/?city=%00",
        "/staff/offers/OFF-%00/",
        "/staff/lots/LOT-%00/compliance/",
        "/needs/?city=%00",
        "/staff/receipts/?status=%00",
        "/staff/lists/lots/?q=a%00",
        "/staff/needs/?x%00=1",
    ],
)
def test_staff_pages_refuse_a_nul_in_the_address(anyone, coordinator, path):
    anyone.force_login(coordinator)

    response = anyone.get(path)

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_the_api_refuses_a_nul_in_its_json_error_shape(anyone, coordinator):
    anyone.force_login(coordinator)

    response = anyone.get("/api/v1/shipments/", {"reference": "SHP\x00"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "NUL" in response.json()["error"]["message"]


def test_a_release_reason_with_a_nul_releases_nothing(anyone, need, passing_lot, coordinator):
    match = services.need_match_confirm(need=need, lot=passing_lot, actor=coordinator)
    anyone.force_login(coordinator)

    response = anyone.post(
        reverse("needs:staff-release", args=[need.pk, match.pk]), {"reason": "gone\x00"}
    )

    assert response.status_code == 400
    assert NeedMatch.objects.get().status == "confirmed"


def test_text_without_nul_passes(anyone, coordinator):
    anyone.force_login(coordinator)

    assert anyone.get("/needs/", {"city": "milan", "category": "gloves"}).status_code == 200
    assert anyone.get("/staff/lists/lots/", {"q": "口罩 =x"}).status_code == 200
