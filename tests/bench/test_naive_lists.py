"""The naive lists the list benchmarks compare with live in bench/urls.py, never in the product."""

import pytest
from django.test import override_settings

from bench.seed_scale import Sizes, seed

pytestmark = pytest.mark.django_db
NAIVE = ["/bench/naive/lots/?page_size=5", "/bench/naive/shipments/?page_size=5"]


@override_settings(ROOT_URLCONF="bench.urls")
def test_the_bench_urlconf_serves_the_naive_lists_to_staff_with_every_field(api_client, viewer):
    seed(Sizes(lots=20, organisations=12, shipments=4, evidence=4, needs=2))
    for path in NAIVE:
        assert api_client.get(path).status_code in (401, 403)
    api_client.force_authenticate(viewer)
    lots = api_client.get(NAIVE[0]).json()
    assert lots["count"] == 20 and len(lots["results"]) == 5
    assert {"volume_m3", "hs_code", "updated_at"} <= set(lots["results"][0])  # "__all__"
    shipments = api_client.get(NAIVE[1]).json()["results"]
    loaded = next(shipment for shipment in shipments if shipment["lines"])
    assert "public_token" in loaded and "lot" in loaded["lines"][0] and loaded["events"]
    # the product's own pages and API are all there too
    assert api_client.get("/api/v1/lots/?page_size=50").status_code == 200


def test_the_product_serves_no_naive_list(api_client, manager):
    api_client.force_authenticate(manager)
    for path in [*NAIVE, "/api/v1/bench/naive-lots/"]:
        assert api_client.get(path).status_code == 404
