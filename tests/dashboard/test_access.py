"""Who may use the dashboard: every staff role reads; anonymous must sign in; others get 403."""

import pytest
from django.urls import reverse

from dashboard.lists import KINDS
from dashboard.selectors import PANELS
from sfiec.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db

PAGES = (
    [reverse("dashboard:home")]
    + [reverse("dashboard:list", args=[kind]) for kind in KINDS]
    + [
        reverse("dashboard:list-export", args=[kind, fmt])
        for kind in KINDS
        for fmt in ("csv", "xlsx")
    ]
)
ENDPOINTS = [reverse(f"api:dashboard-{name}") for name in PANELS]


@pytest.mark.parametrize("role", list(Role.values))
def test_every_staff_role_reads_the_dashboard_lists_and_endpoints(role, client, api_client):
    user = factories.UserFactory(username=f"staff-{role}", roles=[role])
    client.force_login(user)
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    api_client.force_authenticate(user)
    for url in ENDPOINTS:
        assert api_client.get(url).status_code == 200, url


def test_anonymous_is_sent_to_log_in_and_the_api_answers_401(client, api_client):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    for url in ENDPOINTS:
        response = api_client.get(url)
        assert response.status_code == 401, url
        assert response.json()["error"]["status"] == 401


@pytest.mark.parametrize("who", ["partner", "outsider"])
def test_partners_and_other_users_are_refused(who, request, client, api_client):
    user = request.getfixturevalue(who)
    client.force_login(user)
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    api_client.force_authenticate(user)
    for url in ENDPOINTS:
        assert api_client.get(url).status_code == 403, url


def test_a_token_works_for_the_endpoints(api_client, viewer):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=viewer)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get(ENDPOINTS[0]).status_code == 200


def test_the_endpoints_are_read_only(api_client, manager):
    api_client.force_authenticate(manager)
    assert api_client.post(ENDPOINTS[0], {}).status_code == 405


def test_staff_land_on_the_dashboard_and_others_on_the_home_page(client, viewer, partner):
    assert client.get(reverse("home")).status_code == 200
    client.force_login(viewer)
    response = client.get(reverse("home"))
    assert (response.status_code, response["Location"]) == (302, reverse("dashboard:home"))
    client.force_login(partner)
    assert client.get(reverse("home")).status_code == 200


def test_after_logging_in_staff_arrive_on_the_dashboard(client, viewer):
    response = client.post(
        reverse("login"),
        {"username": viewer.username, "password": "correct horse battery"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard:home")


def test_an_unknown_list_is_404(client, viewer):
    client.force_login(viewer)
    assert client.get(reverse("dashboard:list", args=["nothing"])).status_code == 404
