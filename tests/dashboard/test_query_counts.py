"""Every dashboard endpoint, the page and each list make the same number of queries with 10
rows of everything and with 1,000 (one test per door, to build the rows once)."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.lists import KINDS
from dashboard.selectors import PANELS

from .builders import populate


def _fresh(user):
    """The user as a new request would load it (roles are cached on the instance)."""
    return type(user).objects.get(pk=user.pk)


def _counts(get, urls) -> dict[str, int]:
    counts = {}
    for url in urls:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert get(url).status_code == 200, url
        counts[url] = len(queries)
    return counts


def test_dashboard_endpoints_make_as_many_queries_for_1000_rows_as_for_10(
    api_client, viewer, django_assert_num_queries
):
    urls = [reverse(f"api:dashboard-{name}") for name in PANELS]

    def get(url):
        api_client.force_authenticate(_fresh(viewer))
        return api_client.get(url)

    populate(10)
    at_ten = _counts(get, urls)
    populate(990)
    for url in urls:
        cache.clear()
        with django_assert_num_queries(at_ten[url], info=url):
            assert get(url).status_code == 200


def test_pages_make_as_many_queries_for_1000_rows_as_for_10(
    client, viewer, django_assert_num_queries
):
    urls = [reverse("dashboard:home")] + [reverse("dashboard:list", args=[k]) for k in KINDS]
    urls += [reverse("dashboard:list", args=["lots"]) + "?compliance=failing&sort=-kg&page=2"]

    client.force_login(viewer)
    get = client.get
    populate(10)
    at_ten = _counts(get, urls)
    populate(990)
    for url in urls:
        cache.clear()
        with django_assert_num_queries(at_ten[url], info=url):
            assert get(url).status_code == 200


def test_a_second_call_within_the_minute_is_served_from_the_cache(api_client, viewer):
    api_client.force_authenticate(viewer)
    populate(10)
    url = reverse("api:dashboard-offers-awaiting-review")
    first = api_client.get(url).json()["value"]
    populate(10)
    assert api_client.get(url).json()["value"] == first
    cache.clear()
    assert api_client.get(url).json()["value"] == first * 2
