"""The viewer role writes nothing anywhere: no write button is shown, every write is refused."""

import os
import re

import pytest
from django.core.management import call_command
from django.urls import get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from compliance.models import ComplianceCheck
from donations.models import DonationOffer, MaterialLot
from partners.models import SignupRequest
from shipments.models import Shipment

# Public doors that change no record: the what-if evaluation behind the public offer form, and
# exchanging one's own password for one's own token.
PUBLIC_WRITES = {"/api/v1/compliance/evaluate/", "/api/v1/auth/token/"}


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    SignupRequest.objects.create(
        organisation_name="Harbour Relief", contact_name="Ann", email="ann@example.org"
    )


def _values(demo_lot, path: str) -> dict:
    return {
        "reference": demo_lot.offer.reference if "offer" in path else demo_lot.reference,
        "id": Shipment.objects.first().pk
        if "shipment" in path
        else ComplianceCheck.objects.first().pk,
        "pk": ComplianceCheck.objects.first().pk
        if "check" in path
        else SignupRequest.objects.first().pk,
        "kind": "lots",  # the dashboard's lists
        # the needs pages (any city, any match: the refusal comes before the lookup)
        "city_slug": "milan",
        "match_pk": 1,
    }


def _api_writes():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method in operations:
            if method in ("post", "put", "patch", "delete") and path not in PUBLIC_WRITES:
                yield method, path


def test_every_api_write_is_refused_to_the_viewer(demo, viewer):
    client = APIClient()
    client.force_authenticate(viewer)
    lot = MaterialLot.objects.filter(offer__status="submitted").first()
    writes = list(_api_writes())
    assert len(writes) >= 14
    for method, path in writes:
        url = path.format(**_values(lot, path))
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code == 403, (method, url, response.status_code)


def _staff_routes():
    for pattern in get_resolver().url_patterns:
        for sub in getattr(pattern, "url_patterns", [pattern]):
            route = str(sub.pattern)
            if route.startswith("staff/"):
                namespace = getattr(pattern, "namespace", None)
                yield f"{namespace}:{sub.name}" if namespace else sub.name, route


def test_every_staff_page_refuses_the_viewers_post(demo, client, viewer):
    client.force_login(viewer)
    lot = MaterialLot.objects.filter(status="received").first()
    routes = list(_staff_routes())
    assert len(routes) >= 8
    for name, route in routes:
        kwargs = {
            key: value
            for key, value in _values(lot, route + name).items()
            if f"<{key}>" in route or f":{key}>" in route
        }
        url = reverse(name, kwargs=kwargs)
        response = client.post(url, {"decision": "approve", "country": "IT", "reason": "x" * 30})
        assert response.status_code in (403, 405), (url, response.status_code)
    assert DonationOffer.objects.filter(decided_by__username="vic").count() == 0


WRITE_FORM = re.compile(r'<form[^>]*method="post"[^>]*action="([^"]*)"', re.I)


def test_no_staff_page_shows_the_viewer_a_write_button(demo, client, viewer):
    client.force_login(viewer)
    lot = MaterialLot.objects.filter(status="received").first()
    pages = [
        reverse("donations:review-queue"),
        reverse("donations:review-detail", args=[lot.offer.reference]),
        reverse("compliance:lot", args=[lot.reference]),
        reverse("partners:signup-list"),
        reverse("dashboard:home"),
        reverse("dashboard:list", args=["lots"]),
    ]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        actions = set(WRITE_FORM.findall(html)) - {reverse("set_language"), reverse("logout")}
        assert not actions, (url, actions)
        assert "Check for" not in html and "Invite a partner" not in html
