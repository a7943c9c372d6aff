"""Idempotency keys are scoped to their submitter (issue 8.3)."""

import pytest
from django.urls import reverse

from donations.models import DonationOffer
from tests import factories

from .conftest import offer_data
from .test_api import _lot_json

API = reverse("api:offer-list")
FORM = reverse("donations:offer-new")
KEY = "k" * 20


@pytest.fixture
def partner_client(api_client, partner):
    factories.ContactFactory(organisation=partner.partner_membership.organisation)
    api_client.force_authenticate(partner)
    return api_client


@pytest.fixture
def partner_b(db):
    user = factories.PartnerUserFactory(username="bea")
    factories.ContactFactory(organisation=user.partner_membership.organisation, email="b@b.example")
    return user


@pytest.mark.django_db
def test_another_partner_reusing_a_key_gets_its_own_offer(
    partner_client, partner, partner_b, api_client, standard
):
    first = partner_client.post(API, {"submission_key": KEY, "lots": [_lot_json()]}, format="json")
    assert first.status_code == 201
    api_client.force_authenticate(partner_b)
    second = api_client.post(API, {"submission_key": KEY, "lots": [_lot_json()]}, format="json")
    assert second.status_code == 201, second.content
    assert second.json()["reference"] != first.json()["reference"]
    assert DonationOffer.objects.filter(
        donor=partner_b.partner_membership.organisation, submission_key=KEY
    ).exists()


@pytest.mark.django_db
def test_an_anonymous_post_with_a_partners_key_sees_nothing_of_that_partner(
    partner_client, partner, client, standard
):
    key = "c" * 32
    theirs = partner_client.post(API, {"submission_key": key, "lots": [_lot_json()]}, format="json")
    assert theirs.status_code == 201
    partner_offer = DonationOffer.objects.get()
    response = client.post(FORM, offer_data(key=key), follow=True)
    html = response.content.decode()
    assert partner_offer.reference not in html
    assert partner_offer.contact.email not in html
    assert DonationOffer.objects.count() == 2


@pytest.mark.django_db
def test_the_same_submitter_reusing_a_key_for_other_lots_gets_a_409_that_reveals_nothing(
    partner_client, partner, standard
):
    first = partner_client.post(API, {"submission_key": KEY, "lots": [_lot_json()]}, format="json")
    assert first.status_code == 201
    other = {"submission_key": KEY, "lots": [_lot_json(product="Other gloves")]}
    response = partner_client.post(API, other, format="json")
    assert response.status_code == 409
    body = response.content.decode()
    assert response.json()["error"]["code"] == "conflict"
    assert first.json()["reference"] not in body
    assert "@" not in body
    assert DonationOffer.objects.count() == 1


@pytest.mark.django_db
def test_an_anonymous_double_submit_still_makes_one_offer(client, standard):
    assert client.post(FORM, offer_data()).status_code == 302
    assert client.post(FORM, offer_data()).status_code == 302
    assert DonationOffer.objects.count() == 1


@pytest.mark.django_db
def test_two_anonymous_donors_with_one_key_get_two_offers_and_see_only_their_own(client, standard):
    from django.test import Client

    assert client.post(FORM, offer_data()).status_code == 302
    mine = DonationOffer.objects.get()
    stranger = Client()
    response = stranger.post(FORM, offer_data(contact_email="x@stranger.example"), follow=True)
    assert mine.reference not in response.content.decode()
    assert "li.wei@example.org" not in response.content.decode()
    assert DonationOffer.objects.count() == 2
