"""A partner's home is their work: login lands on their offers, counted by status; withdrawing
asks first."""

import pytest
from django.urls import reverse

from donations import services
from tests import factories


@pytest.fixture
def offers(partner, coordinator):
    donor = partner.partner_membership.organisation
    submitted = factories.LotFactory(offer__donor=donor).offer
    accepted = factories.LotFactory(offer__donor=donor).offer
    services.offer_decide(offer=accepted, actor=coordinator, accept=True)
    factories.LotFactory()  # someone else's
    return {"submitted": submitted, "accepted": accepted}


def _login(client, user):
    return client.post(
        reverse("login"), {"username": user.username, "password": "correct horse battery"}
    )


@pytest.mark.django_db
def test_a_partner_lands_on_their_offers_after_login(client, partner):
    response = _login(client, partner)
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse("donations:partner-offer-list")


@pytest.mark.django_db
def test_staff_keep_landing_home_and_next_still_wins(client, coordinator, partner):
    response = _login(client, coordinator)
    assert client.get(response["Location"])["Location"] == reverse("home")
    client.logout()
    wanted = reverse("donations:offer-new")
    response = client.post(
        reverse("login") + f"?next={wanted}",
        {"username": partner.username, "password": "correct horse battery"},
    )
    assert response["Location"] == wanted


@pytest.mark.django_db
def test_my_offers_counts_them_by_status_and_filters(client, login, partner, offers):
    login(partner)
    response = client.get(reverse("donations:partner-offer-list"))
    counts = {row["status"]: row["count"] for row in response.context["counts"]}
    assert counts["submitted"] == 1 and counts["accepted"] == 1 and counts["declined"] == 0
    html = response.content.decode()
    assert 'data-status="accepted">1<' in html
    only = client.get(reverse("donations:partner-offer-list") + "?status=accepted")
    assert [o.reference for o in only.context["page"].object_list] == [offers["accepted"].reference]


@pytest.mark.django_db
def test_withdrawing_asks_for_confirmation_first(client, login, partner, offers):
    login(partner)
    offer = offers["submitted"]
    url = reverse("donations:partner-offer-withdraw", args=[offer.reference])
    page = client.post(url, {"reason": "Sold out"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="withdraw-confirm"' in html and "Sold out" in html
    offer.refresh_from_db()
    assert offer.status == "submitted"  # not yet
    assert client.get(url).status_code == 200
    done = client.post(url, {"reason": "Sold out", "confirm": "1"})
    assert done["Location"] == reverse("donations:partner-offer-detail", args=[offer.reference])
    offer.refresh_from_db()
    assert offer.status == "withdrawn"
    # A decided offer has no confirmation page to reach.
    accepted = offers["accepted"]
    url = reverse("donations:partner-offer-withdraw", args=[accepted.reference])
    assert client.get(url)["Location"].endswith(accepted.reference + "/")


@pytest.mark.django_db
def test_the_offer_page_shows_the_lots_first_and_the_withdraw_form_after_them(
    client, login, partner, offers
):
    offer = offers["submitted"]
    factories.LotFactory(offer=offer, product="Nitrile gloves, size M")
    login(partner)

    html = client.get(
        reverse("donations:partner-offer-detail", args=[offer.reference])
    ).content.decode()

    withdraw = html.index(reverse("donations:partner-offer-withdraw", args=[offer.reference]))
    last_lot = max(html.index(f'id="{lot.reference}"') for lot in offer.lots.all())
    assert html.index("<h2>Lots</h2>") < last_lot < withdraw
    assert 'aria-labelledby="withdraw-title"' in html


@pytest.mark.django_db
def test_an_accepted_offer_links_once_to_where_its_goods_went(client, login, partner, offers):
    offer = offers["accepted"]
    login(partner)

    html = client.get(
        reverse("donations:partner-offer-detail", args=[offer.reference])
    ).content.decode()

    assert html.count(reverse("shipments:offer-proof", args=[offer.reference])) == 1
