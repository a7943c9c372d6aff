"""A recipient's signed need link stops working once its holder may no longer speak for the
recipient: the contact was removed, or the organisation was deactivated."""

import pytest
from django.urls import reverse

from donations.models import Need
from donations.need_links import need_link_token
from partners.models import Organisation
from tests import factories

pytestmark = pytest.mark.django_db

NEED = {"category": "gloves", "quantity": "4000", "priority": "2", "needed_by": "2027-02-01"}


@pytest.fixture
def contact(milan):
    recipient = factories.RecipientFactory(city=milan)
    return factories.ContactFactory(organisation=recipient, email="ward@ospedale.example")


def _path(contact, need=None):
    city = contact.organisation.city
    token = need_link_token(contact=contact, city=city, need=need)
    if need is None:
        return reverse("needs:link-record", args=[city.slug, token])
    return reverse("needs:link-edit", args=[city.slug, token, need.pk])


def test_the_link_works_while_its_contact_is_on_file(client, contact):
    assert client.post(_path(contact), NEED).status_code == 200
    assert Need.objects.count() == 1


def test_a_removed_contacts_link_records_nothing(client, contact):
    path = _path(contact)
    contact.delete()

    assert client.get(path).status_code == 403
    assert client.post(path, NEED).status_code == 403
    assert not Need.objects.exists()


def test_a_deactivated_recipients_link_records_and_corrects_nothing(client, contact, milan):
    need = Need.objects.create(
        recipient=contact.organisation, city=milan, category="gloves", quantity=10
    )
    new, edit = _path(contact), _path(contact, need)
    Organisation.objects.filter(pk=contact.organisation_id).update(is_active=False)

    assert client.post(new, NEED).status_code == 403
    assert client.post(edit, {**NEED, "quantity": "1"}).status_code == 403
    assert list(Need.objects.values_list("quantity", flat=True)) == [10]


def test_a_contact_moved_to_another_organisation_no_longer_speaks_for_the_first(
    client, contact, milan
):
    path = _path(contact)
    contact.organisation = factories.RecipientFactory(city=milan)
    contact.save()

    assert client.post(path, NEED).status_code == 403
    assert not Need.objects.exists()
