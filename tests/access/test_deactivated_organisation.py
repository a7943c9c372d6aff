"""A deactivated organisation's partners lose access on their next request: session and token."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.mark.django_db
def test_deactivating_the_organisation_ends_its_partners_sessions_and_tokens(client, partner):
    client.force_login(partner)
    token = Token.objects.create(user=partner)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    offers = reverse("donations:partner-offer-list")
    assert client.get(offers).status_code == 200
    assert api.get("/api/v1/offers/").status_code == 200

    organisation = partner.partner_membership.organisation
    organisation.is_active = False
    organisation.save(update_fields=["is_active"])

    page = client.get(offers)
    assert page.status_code == 302 and reverse("login") in page["Location"]
    refused = api.get("/api/v1/offers/")
    assert refused.status_code in (401, 403) and "withdrawn" in str(refused.json())
    # Nor can they sign in again, on the page or for a token.
    login = client.post(
        reverse("login"), {"username": partner.username, "password": "correct horse battery"}
    )
    assert login.status_code == 200  # the form again, with its error
    assert client.get(offers).status_code == 302
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": partner.username, "password": "correct horse battery"},
        format="json",
    )
    assert response.status_code == 400

    organisation.is_active = True
    organisation.save(update_fields=["is_active"])
    assert api.get("/api/v1/offers/").status_code == 200
