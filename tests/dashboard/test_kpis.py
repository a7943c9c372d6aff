"""The dashboard's figures for a known data set, through the API, and the lists behind them."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from compliance.models import ComplianceCheck, RuleSet
from donations.models import MaterialLot

from .builders import populate

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(manager):
    """populate(10) plus an override on one failing check and a stale failing check."""
    populate(10)
    failing = ComplianceCheck.objects.filter(result="fail").order_by("lot__reference")
    overridden = failing.first()
    overridden.overridden_by = manager
    overridden.overridden_at = timezone.now()
    overridden.override_reason = "Accepted in writing by the health authority"
    overridden.save()
    # An earlier failing check that is no longer current does not count.
    ComplianceCheck.objects.create(
        lot=MaterialLot.objects.get(reference__endswith="LOT-0"),
        country="KR",
        rule_set=RuleSet.objects.get(version="bulk"),
        result="fail",
        export_date=dt.date(2026, 1, 1),
        arrival_date=dt.date(2026, 1, 1),
        input_fingerprint="old",
        is_current=False,
    )


def _get(api_client, name):
    response = api_client.get(reverse(f"api:dashboard-{name}"))
    assert response.status_code == 200
    return response.json()


EXPECTED = {
    # offers 0,1,5,6 are submitted or under review
    "offers-awaiting-review": 4,
    # lots 1 and 8
    "lots-in-quarantine": 2,
    # lots 2, 5 and 8 fail; one is overridden
    "lots-failing-compliance": 2,
    # documents 1, 4, 7
    "documents-failed": 3,
    # sent or receipt verified (even rows) and past due (row not divisible by 3): 2, 4, 8
    "receipts-overdue": 3,
    # open or partly met: 0, 1, 4, 5, 8, 9
    "unmet-needs": 6,
}


@pytest.mark.parametrize(("name", "value"), EXPECTED.items())
def test_each_card_counts_the_known_rows(known, api_client, viewer, client, name, value):
    api_client.force_authenticate(viewer)
    card = _get(api_client, name)
    assert card["value"] == value
    # The card links to the list of exactly those rows.
    client.force_login(viewer)
    page = client.get(card["url"])
    assert page.status_code == 200
    assert page.context["page"].paginator.count == value


def test_shipments_by_status_counts_each_status(known, api_client, viewer, client):
    api_client.force_authenticate(viewer)
    card = _get(api_client, "shipments-by-status")
    counts = {item["status"]: item["value"] for item in card["by_status"]}
    assert counts == {
        "draft": 2,
        "ready": 0,
        "booked": 2,
        "in_transit": 2,
        "arrived": 0,
        "delivered": 2,
        "receipt_confirmed": 2,
        "closed": 0,
        "cancelled": 0,
    }
    assert card["value"] == 10
    client.force_login(viewer)
    booked = next(item for item in card["by_status"] if item["status"] == "booked")
    assert client.get(booked["url"]).context["page"].paginator.count == 2


def test_goods_shipped_by_city_and_category(known, api_client, viewer):
    """Shipped: shipments 2, 3, 4, 7, 8, 9 (in transit or later), 100 units each, 5 kg (a tenth
    of the 50 kg lot), 250 in the lot's currency; lot 4 (EUR) went to Busan on shipment 3."""
    api_client.force_authenticate(viewer)
    by_city = {item["key"]: item for item in _get(api_client, "goods-by-city")["items"]}
    assert by_city["milan"] == {
        **by_city["milan"],
        "units": 300,
        "cartons": 3,
        "kg": 15.0,
        "value": {"CNY": 750.0},
    }
    assert by_city["busan"]["units"] == 300
    assert by_city["busan"]["value"] == {"CNY": 500.0, "EUR": 250.0}
    by_category = {
        item["key"]: item["units"] for item in _get(api_client, "goods-by-category")["items"]
    }
    assert by_category == {"respirator_nonmedical": 300, "medical_mask": 200, "gloves": 100}


def test_freight_cost_per_kg_uses_chargeable_weight_when_known(known, api_client, viewer):
    api_client.force_authenticate(viewer)
    per_kg = {item["key"]: item for item in _get(api_client, "freight-cost-per-kg")["items"]}
    # air: shipments 0, 3, 6, 9 (100 + 120 + 100 + 120 kg) for 4 × 600
    assert per_kg["air"]["kg"] == 440.0
    assert per_kg["air"]["per_kg"] == pytest.approx(2400 / 440, abs=0.01)
    assert per_kg["sea"]["per_kg"] == pytest.approx(1800 / 340, abs=0.01)
    assert per_kg["rail"]["per_kg"] == pytest.approx(1800 / 320, abs=0.01)


def test_weekly_series_counts_offers_and_dispatches(known, api_client, viewer):
    api_client.force_authenticate(viewer)
    weeks = _get(api_client, "weekly")["items"]
    assert len(weeks) == 26
    assert sum(week["offers"] for week in weeks) == 10
    # Shipments 2, 3, 4, 7, 8, 9 were dispatched 30 days ago.
    assert sum(week["shipments"] for week in weeks) == 6


def test_flows_list_every_active_city_with_its_position(known, api_client, viewer):
    api_client.force_authenticate(viewer)
    flows = _get(api_client, "flows")
    cities = {item["key"]: item for item in flows["items"]}
    assert cities["milan"]["coords"] == [45.4642, 9.19]
    assert (cities["milan"]["shipments"], cities["milan"]["shipped"]) == (5, 3)
    assert cities["busan"]["in_transit"] == 1
    assert flows["origin"]["coords"] == [22.5431, 114.0579]


def test_labels_follow_the_language_and_are_cached_per_language(known, api_client, viewer):
    from partners.models import SisterCity

    SisterCity.objects.filter(slug="milan").update(name_zh="米兰")
    api_client.force_authenticate(viewer)
    url = reverse("api:dashboard-flows")
    english = api_client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = api_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    label = {item["key"]: item["label"] for item in english["items"]}
    assert label["milan"] == "Milan"
    label = {item["key"]: item["label"] for item in chinese["items"]}
    assert (label["milan"], label["busan"]) == ("米兰", "Busan")  # Busan has no Chinese name
    assert english["origin"]["label"] == "Shenzhen"


@pytest.mark.parametrize("seconds, after_a_change", [(60, 2), (0, 1)])
def test_a_card_is_cached_for_dashboard_cache_seconds(
    api_client, manager, settings, seconds, after_a_change
):
    from django.core.cache import cache

    from tests import factories

    settings.DASHBOARD_CACHE_SECONDS = seconds
    cache.clear()
    api_client.force_authenticate(manager)
    lots = [factories.LotFactory(is_quarantined=True) for _ in range(2)]
    assert _get(api_client, "lots-in-quarantine")["value"] == 2
    MaterialLot.objects.filter(pk=lots[0].pk).update(is_quarantined=False)
    assert _get(api_client, "lots-in-quarantine")["value"] == after_a_change
