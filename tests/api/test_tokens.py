"""Personal API tokens: made on the account page, shown once, stored hashed, scoped, expiring."""

import datetime as dt
import hashlib
import re

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from partners.api_tokens import api_token_create
from partners.models import ApiToken
from tests import factories


def make_token_on_page(client, **data):
    response = client.post("/account/tokens/", {"days": 30, **data})
    assert response.status_code == 302, response.content
    page = client.get("/account/tokens/").content.decode()
    return re.search(r'value="(sfiec_[^"]+)"', page).group(1)


def bearer(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api_client


@pytest.mark.django_db
def test_staff_make_a_token_shown_once_and_stored_hashed(client, login, logistics_officer):
    login(logistics_officer)
    key = make_token_on_page(client, name="scanner", scope="full")
    token = ApiToken.objects.get(user=logistics_officer)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.key_hash, token.prefix} and key.startswith(token.prefix)
    assert (token.expires_at - timezone.now()).days in (29, 30)
    # Shown once: the next page load no longer carries it.
    assert key not in client.get("/account/tokens/").content.decode()


@pytest.mark.django_db
def test_a_token_authenticates_until_revoked(client, login, api_client, viewer):
    factories.SisterCityFactory()
    login(viewer)
    key = make_token_on_page(client, name="report", scope="full")
    assert bearer(api_client, key).get("/api/v1/cities/").status_code == 200
    token = ApiToken.objects.get(user=viewer)
    assert token.last_used_at is not None
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    response = bearer(api_client, key).get("/api/v1/cities/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.django_db
def test_nobody_revokes_someone_elses_token(client, login, viewer, manager):
    token, _key = api_token_create(user=viewer, name="mine", scope="full")
    login(manager)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_an_expired_token_is_refused(api_client, viewer):
    token, key = api_token_create(user=viewer, name="old", scope="full", days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert bearer(api_client, key).get("/api/v1/cities/").status_code == 401


@pytest.mark.django_db
def test_tokens_cannot_outlive_the_maximum_age(client, login, viewer, settings):
    settings.API_TOKEN_MAX_AGE_DAYS = 7
    login(viewer)
    response = client.post("/account/tokens/", {"name": "x", "scope": "full", "days": 8})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_a_read_only_token_refuses_every_unsafe_method(api_client, logistics_officer):
    _token, key = api_token_create(user=logistics_officer, name="ro", scope="read_only")
    client = bearer(api_client, key)
    recipient = factories.RecipientFactory()
    assert client.get("/api/v1/shipments/").status_code == 200
    response = client.post(
        "/api/v1/shipments/",
        {"city": recipient.city.slug, "consignee": recipient.pk},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "This token is read-only."
    # Even an endpoint open to anyone refuses the write under this token.
    assert client.post("/api/v1/compliance/evaluate/", {}, format="json").status_code == 403


@pytest.mark.django_db
def test_a_tracking_token_sees_and_moves_only_its_carriers_shipments(api_client, logistics_officer):
    from shipments import services

    carrier = factories.OrganisationFactory(kind="carrier", name="Fast Freight")
    other_carrier = factories.OrganisationFactory(kind="carrier", name="Slow Freight")
    recipient = factories.RecipientFactory()
    mine = services.shipment_create(
        city=recipient.city, consignee=recipient, created_by=logistics_officer, carrier=carrier
    )
    theirs = services.shipment_create(
        city=recipient.city,
        consignee=recipient,
        created_by=logistics_officer,
        carrier=other_carrier,
    )
    _token, key = api_token_create(
        user=logistics_officer, name="carrier", scope="tracking", carrier=carrier
    )
    client = bearer(api_client, key)
    listed = [row["id"] for row in client.get("/api/v1/shipments/").json()["results"]]
    assert listed == [mine.pk]
    assert client.get(f"/api/v1/shipments/{theirs.pk}/").status_code == 404
    # Not a tracking operation: refused whatever the owner's role.
    assert client.get("/api/v1/lots/").status_code == 403
    assert client.patch(f"/api/v1/shipments/{mine.pk}/", {}, format="json").status_code == 403
    # A transition of someone else's shipment is a 404; of its own goes through the rules (409).
    assert (
        client.post(
            f"/api/v1/shipments/{theirs.pk}/transition/", {"status": "delivered"}, format="json"
        ).status_code
        == 404
    )
    response = client.post(
        f"/api/v1/shipments/{mine.pk}/transition/", {"status": "delivered"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


@pytest.mark.django_db
def test_a_partners_token_sees_only_its_organisation(client, login, api_client, partner):
    factories.OrganisationFactory()
    login(partner)
    page = client.get("/account/tokens/").content.decode()
    assert 'value="tracking"' not in page
    key = make_token_on_page(client, name="erp", scope="read_only")
    rows = bearer(api_client, key).get("/api/v1/organisations/").json()["results"]
    assert [row["id"] for row in rows] == [partner.partner_membership.organisation_id]


@pytest.mark.django_db
def test_the_token_page_is_for_staff_and_partners_only(client, login, outsider):
    assert client.get("/account/tokens/").status_code == 302  # to the login page
    login(outsider)
    assert client.get("/account/tokens/").status_code == 403


@pytest.mark.django_db
def test_legacy_drf_tokens_still_work(api_client, viewer):
    factories.SisterCityFactory()
    key = Token.objects.create(user=viewer).key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/cities/").status_code == 200


@pytest.mark.django_db
def test_a_deactivated_organisations_partner_token_stops_working(api_client, partner):
    _token, key = api_token_create(user=partner, name="erp", scope="read_only")
    assert bearer(api_client, key).get("/api/v1/organisations/").status_code == 200
    organisation = partner.partner_membership.organisation
    organisation.is_active = False
    organisation.save(update_fields=["is_active"])
    assert bearer(api_client, key).get("/api/v1/organisations/").status_code == 401
