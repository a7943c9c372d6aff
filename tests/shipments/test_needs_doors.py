"""Needs through the real doors: the API, the needs board, the offer form, the import."""

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from donations import selectors as donation_selectors
from donations import services as donation_services
from donations.models import DonationOffer, MaterialLot, Need
from partners.models import SisterCity
from tests import factories
from tests.donations.conftest import lot_data, offer_data
from tests.donations.test_import import _form, _row, _xlsx

from .test_matching import _check, _received

pytestmark = pytest.mark.django_db


@pytest.fixture
def need(milan, coordinator, catalogue):
    from standards.models import Standard

    need = donation_services.need_create(
        recipient=factories.RecipientFactory(city=milan),
        city=milan,
        actor=coordinator,
        category="respirator_nonmedical",
        quantity=5000,
        needed_by=dt.date(2027, 1, 15),
        description="For the wards of the municipal hospital",
    )
    need.accepted_standards.set([Standard.objects.get(slug="CN_GB2626_KN95")])
    return need


def _api(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_partner_sees_unmet_quantities_fall_as_matches_are_confirmed(
    need, partner, coordinator, logistics_officer, api_client, client
):
    lot = _received(coordinator)
    _check(lot, "pass")
    listing = _api(api_client, partner).get(reverse("api:need-list")).json()
    assert [(row["id"], row["quantity_unmet"]) for row in listing["results"]] == [(need.pk, 5000)]

    confirmed = _api(api_client, logistics_officer).post(
        reverse("api:need-confirm", args=[need.pk]),
        {"lot": lot.reference, "quantity": 1800},
        format="json",
    )
    assert confirmed.status_code == 201, confirmed.json()

    listing = _api(api_client, partner).get(reverse("api:need-list")).json()
    assert listing["results"][0]["quantity_unmet"] == 3200
    client.force_login(partner)
    board = client.get(reverse("needs:board")).content.decode()
    assert "3,200" in board and "Offer against this need" in board
    assert "Respiratory protection" in board or "respirator" in board.lower()
    assert donation_selectors.unmet_needs_by_city_category() == [
        {
            "city": "milan",
            "city_name": "Milan",
            "city_name_zh": "米兰",
            "category": "respirator_nonmedical",
            "needs": 1,
            "quantity": 5000,
            "quantity_matched": 1800,
            "quantity_unmet": 3200,
        }
    ]


def test_who_may_record_confirm_and_release(
    need, partner, viewer, coordinator, logistics_officer, api_client
):
    lot = _received(coordinator)
    _check(lot, "pass")
    confirm = reverse("api:need-confirm", args=[need.pk])
    body = {"lot": lot.reference, "quantity": 100}
    assert _api(api_client, partner).post(confirm, body, format="json").status_code == 403
    assert _api(api_client, viewer).post(confirm, body, format="json").status_code == 403
    assert (
        _api(api_client, partner).get(reverse("api:need-matches", args=[need.pk])).status_code
        == 403
    )
    new_need = {
        "city": "milan",
        "recipient": need.recipient_id,
        "category": "gloves",
        "quantity": 300,
    }
    assert (
        _api(api_client, logistics_officer)
        .post(reverse("api:need-list"), new_need, format="json")
        .status_code
        == 403
    )
    created = _api(api_client, coordinator).post(reverse("api:need-list"), new_need, format="json")
    assert created.status_code == 201, created.json()

    candidates = (
        _api(api_client, coordinator).get(reverse("api:need-matches", args=[need.pk])).json()
    )
    assert [row["reference"] for row in candidates["candidates"]] == [lot.reference]
    match = _api(api_client, coordinator).post(confirm, body, format="json").json()
    released = _api(api_client, logistics_officer).post(
        reverse("api:need-release", args=[need.pk]), {"match": match["id"]}, format="json"
    )
    assert released.status_code == 200 and released.json()["status"] == "released"

    _api(api_client, coordinator).post(confirm, body, format="json")
    closed = _api(api_client, coordinator).post(
        reverse("api:need-transition", args=[need.pk]), {"status": "closed"}, format="json"
    )
    assert closed.json()["status"] == "closed"
    assert MaterialLot.objects.get(pk=lot.pk).quantity_reserved == 0


def test_the_board_is_behind_the_partner_login_unless_public(need, client, outsider):
    url = reverse("needs:board")
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    client.logout()
    with override_settings(NEEDS_BOARD_PUBLIC=True):
        assert need.description in client.get(url).content.decode()
        assert client.get(reverse("api:need-list")).status_code == 200


def test_offer_against_a_need_arrives_prefilled(need, client):
    page = client.get(reverse("donations:offer-new") + f"?need={need.pk}").content.decode()
    kn95 = need.accepted_standards.get()
    assert f'name="need" value="{need.pk}"' in page
    assert f'<option value="{need.city_id}" selected data-country="IT">' in page
    assert '<option value="respirator_nonmedical" selected>' in page
    assert f'<option value="{kn95.slug}" selected' in page


def test_a_paused_city_or_need_refuses_offers_on_the_form_the_import_and_the_api(
    need, client, api_client, partner, coordinator
):
    SisterCity.objects.filter(pk=need.city_id).update(offers_paused=True)
    data = offer_data(need=str(need.pk), preferred_city=str(need.city_id))
    response = client.post(reverse("donations:offer-new"), {**data, "submit": "1"})
    assert "not taking new offers" in response.content.decode()
    assert (
        client.get(reverse("donations:offer-new") + f"?need={need.pk}")
        .content.decode()
        .count("not taking new offers")
        == 1
    )

    factories.ContactFactory(organisation=partner.partner_membership.organisation)
    api = _api(api_client, partner)
    raw = lot_data(0)
    values = {key.removeprefix("lots-0-"): value for key, value in raw.items()}
    values.pop("certificate_kind")
    refused = api.post(
        reverse("api:offer-list"), {"need": need.pk, "lots": [values]}, format="json"
    )
    assert refused.status_code == 409 and "not taking new offers" in str(refused.json())

    form = _form(_xlsx([_row(0)]), key="c" * 32)
    form["preferred_city"] = str(need.city_id)
    client.post(reverse("donations:offer-import"), form)
    confirmed = client.post(
        reverse("donations:offer-import-confirm"), {"token": "c" * 32}, follow=True
    )
    assert "not taking new offers" in confirmed.content.decode()
    assert not DonationOffer.objects.exists()

    # a paused need (its city open again) is refused too
    SisterCity.objects.filter(pk=need.city_id).update(offers_paused=False)
    donation_services.need_transition(need=need, actor=coordinator, target=Need.Status.PAUSED)
    response = client.post(
        reverse("donations:offer-new"),
        {**offer_data(key="d" * 32, need=str(need.pk)), "submit": "1"},
    )
    assert "takes no new offers" in response.content.decode()
    assert not DonationOffer.objects.exists()


def test_the_foundations_notes_on_a_need_reach_staff_only(need, partner, coordinator, api_client):
    donation_services.need_update(need=need, actor=coordinator, notes="Call Dr Rossi after 18:00")
    url = reverse("api:need-detail", args=[need.pk])
    assert _api(api_client, coordinator).get(url).json()["notes"] == "Call Dr Rossi after 18:00"
    assert "notes" not in _api(api_client, partner).get(url).json()
    listing = _api(api_client, partner).get(reverse("api:need-list")).json()
    assert all("notes" not in row for row in listing["results"])
    with override_settings(NEEDS_BOARD_PUBLIC=True):
        api_client.force_authenticate(None)
        assert "notes" not in api_client.get(url).json()


def test_the_api_refuses_a_need_for_an_inactive_recipient_or_city(
    need, coordinator, api_client, milan
):
    inactive = factories.RecipientFactory(city=milan, is_active=False)
    body = {"recipient": inactive.pk, "city": milan.slug, "category": "glove", "quantity": 10}
    response = _api(api_client, coordinator).post(reverse("api:need-list"), body, format="json")
    assert response.status_code == 400 and "recipient" in response.json()["error"]["fields"]
    milan.is_active = False
    milan.save(update_fields=["is_active"])
    body["recipient"] = need.recipient_id
    response = api_client.post(reverse("api:need-list"), body, format="json")
    assert response.status_code == 400 and "city" in response.json()["error"]["fields"]
    assert Need.objects.count() == 1
