"""Who sees which offers, lots and files: staff all, a partner only its own, others nothing."""

import pytest
from django.urls import reverse

from donations import services
from sfiec.uploads import upload_check
from tests import factories

from .conftest import pdf_file


@pytest.fixture
def partner_b(db):
    return factories.PartnerUserFactory(username="bea")


@pytest.fixture
def offer_of_a(partner):
    lot = factories.LotFactory(offer__donor=partner.partner_membership.organisation)
    services.attachment_add(lot=lot, kind="ce_certificate", upload=upload_check(pdf_file()))
    return lot.offer


@pytest.mark.django_db
def test_partner_a_sees_its_offer(client, login, partner, offer_of_a):
    login(partner)
    listing = client.get(reverse("donations:partner-offer-list")).content.decode()
    assert offer_of_a.reference in listing
    detail = client.get(reverse("donations:partner-offer-detail", args=[offer_of_a.reference]))
    assert detail.status_code == 200


@pytest.mark.django_db
def test_partner_b_gets_404_on_partner_a_offer(client, login, partner_b, offer_of_a):
    login(partner_b)
    assert (
        offer_of_a.reference
        not in client.get(reverse("donations:partner-offer-list")).content.decode()
    )
    url = reverse("donations:partner-offer-detail", args=[offer_of_a.reference])
    assert client.get(url).status_code == 404
    withdraw = reverse("donations:partner-offer-withdraw", args=[offer_of_a.reference])
    assert client.post(withdraw).status_code == 404
    offer_of_a.refresh_from_db()
    assert offer_of_a.status == "submitted"
    attachment = offer_of_a.lots.get().attachments.get()
    assert (
        client.get(reverse("donations:attachment-download", args=[attachment.pk])).status_code
        == 404
    )


@pytest.mark.django_db
def test_downloads_are_attachments_with_nosniff(client, login, partner, offer_of_a):
    login(partner)
    attachment = offer_of_a.lots.get().attachments.get()
    response = client.get(reverse("donations:attachment-download", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="certificate.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.django_db
def test_anonymous_and_outsiders_get_no_file(client, login, outsider, offer_of_a):
    attachment = offer_of_a.lots.get().attachments.get()
    url = reverse("donations:attachment-download", args=[attachment.pk])
    assert client.get(url).status_code == 404
    login(outsider)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_staff_see_every_file(client, login, viewer, offer_of_a):
    login(viewer)
    attachment = offer_of_a.lots.get().attachments.get()
    url = reverse("donations:attachment-download", args=[attachment.pk])
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_partner_withdraws_an_open_offer_but_not_a_decided_one(
    client, login, partner, offer_of_a, coordinator
):
    login(partner)
    url = reverse("donations:partner-offer-withdraw", args=[offer_of_a.reference])
    client.post(url, {"reason": "Goods sold out", "confirm": "1"})
    offer_of_a.refresh_from_db()
    assert offer_of_a.status == "withdrawn"

    accepted = factories.LotFactory(offer__donor=offer_of_a.donor).offer
    services.offer_decide(offer=accepted, actor=coordinator, accept=True)
    response = client.post(
        reverse("donations:partner-offer-withdraw", args=[accepted.reference]),
        {"confirm": "1"},
        follow=True,
    )
    accepted.refresh_from_db()
    assert accepted.status == "accepted"
    assert "cannot move" in response.content.decode()


@pytest.mark.django_db
def test_partner_sees_the_decision_and_its_reason(client, login, partner, offer_of_a, coordinator):
    services.offer_decide(
        offer=offer_of_a, actor=coordinator, accept=False, reason="Expires too soon for Milan"
    )
    login(partner)
    page = client.get(reverse("donations:partner-offer-detail", args=[offer_of_a.reference]))
    assert "Expires too soon for Milan" in page.content.decode()
    assert "Withdraw the offer" not in page.content.decode()


@pytest.mark.django_db
def test_partner_pages_need_a_partner(client, login, coordinator):
    url = reverse("donations:partner-offer-list")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    login(coordinator)
    assert client.get(url).status_code == 403
