"""A quantity beyond what the database holds is an error beside the quantity field on the
staff need form and on the recipient's link form (it was a 500 on the first, and "this link was
already used" on the second, though the link was still good)."""

import pytest
from django.urls import reverse

from donations.models import Need
from donations.need_links import need_link_token
from tests import factories

pytestmark = pytest.mark.django_db

NEED = {"category": "gloves", "priority": "2", "needed_by": "2027-02-01"}
TOO_MANY = ["2147483648", "99999999999999999999"]


@pytest.mark.parametrize("quantity", TOO_MANY)
def test_the_staff_need_form_names_a_quantity_too_large(client, coordinator, milan, quantity):
    recipient = factories.RecipientFactory(city=milan)
    client.force_login(coordinator)

    response = client.post(
        reverse("needs:staff-new", args=[milan.slug]),
        {**NEED, "recipient": recipient.pk, "quantity": quantity},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["quantity"]
    assert not Need.objects.exists()


@pytest.mark.parametrize("quantity", TOO_MANY)
def test_the_recipient_link_form_names_a_quantity_too_large_and_stays_usable(
    client, milan, quantity
):
    contact = factories.ContactFactory(organisation=factories.RecipientFactory(city=milan))
    path = reverse(
        "needs:link-record", args=[milan.slug, need_link_token(contact=contact, city=milan)]
    )

    response = client.post(path, {**NEED, "quantity": quantity})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["quantity"]
    assert "already used" not in response.content.decode()
    assert client.post(path, {**NEED, "quantity": "40"}).status_code == 200
    assert list(Need.objects.values_list("quantity", flat=True)) == [40]
