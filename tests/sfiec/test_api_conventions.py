import pytest
from rest_framework.authtoken.models import Token

from tests import factories


@pytest.mark.django_db
def test_anonymous_requests_get_the_json_error_shape(api_client):
    response = api_client.get("/api/v1/cities/")
    assert response.status_code in (401, 403)
    body = response.json()["error"]
    assert body["status"] == response.status_code
    assert body["code"] == "not_authenticated"
    assert "credentials" in body["message"]


@pytest.mark.django_db
def test_token_authentication_works(api_client, viewer):
    factories.SisterCityFactory()
    token = Token.objects.create(user=viewer)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api_client.get("/api/v1/cities/")
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert response.json()["results"][0]["slug"] == "milan"


@pytest.mark.django_db
def test_lists_are_paginated(api_client, viewer):
    for n in range(3):
        factories.SisterCityFactory(slug=f"city-{n}", name=f"City {n}")
    api_client.force_authenticate(viewer)
    response = api_client.get("/api/v1/cities/?page_size=2&ordering=name")
    body = response.json()
    assert body["count"] == 3
    assert [city["name"] for city in body["results"]] == ["City 0", "City 1"]
    assert body["next"] is not None


@pytest.mark.django_db
def test_staff_see_every_organisation_and_a_partner_only_its_own(api_client, viewer, partner):
    other = factories.OrganisationFactory()
    api_client.force_authenticate(viewer)
    staff_view = {org["id"] for org in api_client.get("/api/v1/organisations/").json()["results"]}
    assert {other.pk, partner.partner_membership.organisation_id} <= staff_view

    api_client.force_authenticate(partner)
    partner_view = api_client.get("/api/v1/organisations/").json()["results"]
    assert [org["id"] for org in partner_view] == [partner.partner_membership.organisation_id]
    assert api_client.get(f"/api/v1/organisations/{other.pk}/").status_code == 404


@pytest.mark.django_db
def test_organisations_filter_by_kind(api_client, viewer):
    factories.OrganisationFactory()
    recipient = factories.RecipientFactory()
    api_client.force_authenticate(viewer)
    results = api_client.get("/api/v1/organisations/?kind=recipient").json()["results"]
    assert [org["id"] for org in results] == [recipient.pk]


@pytest.mark.django_db
def test_validation_errors_name_the_field(api_client, logistics_officer):
    api_client.force_authenticate(logistics_officer)
    response = api_client.post("/api/v1/shipments/", {"city": "nowhere"}, format="json")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert set(body["fields"]) >= {"city", "consignee"}


@pytest.mark.django_db
def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/shipments/{id}/transition/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn." not in html and "unpkg" not in html
    assert "/static/drf_spectacular_sidecar/" in html
