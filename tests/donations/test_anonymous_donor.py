"""An anonymous offer cannot impersonate an organisation (issue 8.7)."""

import pytest
from django.urls import reverse

from donations import services
from donations.models import DonationOffer
from partners.models import Contact, Organisation
from tests import factories

from .conftest import offer_data

FORM = reverse("donations:offer-new")


@pytest.fixture
def known_partner(db):
    """A partner organisation with an account, named like the form's default donor."""
    organisation = factories.OrganisationFactory(name="Guangming Charity Association", phone="1")
    contact = factories.ContactFactory(organisation=organisation, email="boss@guangming.example")
    user = factories.PartnerUserFactory(username="gm", organisation=organisation)
    user.partner_membership.contact = contact
    user.partner_membership.save()
    return user


@pytest.mark.django_db
def test_typing_a_partners_name_does_not_make_a_stranger_its_contact(
    client, login, standard, known_partner
):
    organisation = known_partner.partner_membership.organisation
    response = client.post(FORM, offer_data(contact_email="stranger@evil.example"))
    assert response.status_code == 302
    offer = DonationOffer.objects.get()
    assert offer.donor != organisation
    assert offer.donor.is_pending
    assert not organisation.contacts.filter(email="stranger@evil.example").exists()
    login(known_partner)
    listing = client.get(reverse("donations:partner-offer-list")).content.decode()
    assert offer.reference not in listing


@pytest.mark.django_db
def test_the_api_list_of_the_partner_does_not_show_the_strangers_offer(
    client, api_client, standard, known_partner
):
    client.post(FORM, offer_data(contact_email="stranger@evil.example"))
    api_client.force_authenticate(known_partner)
    assert api_client.get(reverse("api:offer-list")).json()["results"] == []


@pytest.mark.django_db
def test_anonymous_offers_by_one_email_reuse_one_pending_organisation(client, standard):
    client.post(FORM, offer_data(key="a" * 32))
    client.post(FORM, offer_data(key="b" * 32, organisation_name="Guangming Charity"))
    donors = {offer.donor_id for offer in DonationOffer.objects.all()}
    assert DonationOffer.objects.count() == 2 and len(donors) == 1
    client.post(FORM, offer_data(key="c" * 32, contact_email="other@example.org"))
    assert Organisation.objects.filter(is_pending=True).count() == 2


@pytest.mark.django_db
def test_staff_link_a_pending_organisation_to_a_known_one_on_the_review_page(
    client, login, coordinator, standard, known_partner
):
    organisation = known_partner.partner_membership.organisation
    client.post(FORM, offer_data(contact_email="boss@guangming.example"))
    offer = DonationOffer.objects.get()
    pending = offer.donor
    login(coordinator)
    page = client.get(reverse("donations:review-detail", args=[offer.reference])).content.decode()
    assert "Link to a known organisation" in page
    response = client.post(
        reverse("donations:review-link-donor", args=[offer.reference]),
        {"organisation": organisation.pk},
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    pending.refresh_from_db()
    assert offer.donor == organisation
    assert offer.contact == Contact.objects.get(organisation=organisation)
    assert pending.merged_into == organisation and not pending.is_active
    login(known_partner)
    listing = client.get(reverse("donations:partner-offer-list")).content.decode()
    assert offer.reference in listing


@pytest.mark.django_db
def test_the_api_links_a_pending_donor_and_refuses_a_known_one(
    client, staff_client, standard, known_partner
):
    organisation = known_partner.partner_membership.organisation
    client.post(FORM, offer_data(contact_email="new@person.example"))
    offer = DonationOffer.objects.get()
    url = reverse("api:offer-link-donor", args=[offer.reference])
    assert staff_client.get(reverse("api:offer-detail", args=[offer.reference])).json()[
        "donor_is_pending"
    ]
    response = staff_client.post(url, {"organisation": organisation.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["donor_is_pending"] is False
    assert response.json()["donor"] == str(organisation)
    assert organisation.contacts.filter(email="new@person.example").exists()
    again = staff_client.post(url, {"organisation": organisation.pk}, format="json")
    assert again.status_code == 409


@pytest.mark.django_db
def test_only_coordinators_link_donors(client, login, viewer, standard, known_partner):
    client.post(FORM, offer_data(contact_email="new@person.example"))
    offer = DonationOffer.objects.get()
    login(viewer)
    response = client.post(
        reverse("donations:review-link-donor", args=[offer.reference]),
        {"organisation": known_partner.partner_membership.organisation.pk},
    )
    assert response.status_code == 403
    assert DonationOffer.objects.get().donor.is_pending


@pytest.mark.django_db
def test_a_pending_organisation_can_be_confirmed_as_new(coordinator, standard, client):
    client.post(FORM, offer_data(organisation_name="Brand New Charity"))
    offer = DonationOffer.objects.get()
    services.offer_donor_confirm(offer=offer, actor=coordinator)
    offer.donor.refresh_from_db()
    assert not offer.donor.is_pending
