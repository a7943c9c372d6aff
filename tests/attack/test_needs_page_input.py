"""Bad input on the staff needs pages: a clear 400 naming the field, never a 500, never a
reservation the user did not ask for."""

import pytest
from django.urls import reverse

from shipments.models import NeedMatch
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("lot", ["abc", "1e3", "", "12abc"])
def test_confirming_with_a_malformed_lot_is_a_400_naming_the_lot(client, need, coordinator, lot):
    client.force_login(coordinator)
    response = client.post(reverse("needs:staff-confirm", args=[need.pk]), {"lot": lot})

    assert response.status_code == 400
    assert "Lot" in response.content.decode()
    assert not NeedMatch.objects.exists()


@pytest.mark.parametrize("quantity", ["-5", "abc", "1.5", "²", "0", " 7x"])
def test_confirming_a_malformed_quantity_reserves_nothing_and_names_the_quantity(
    client, need, coordinator, passing_lot, quantity
):
    client.force_login(coordinator)
    response = client.post(
        reverse("needs:staff-confirm", args=[need.pk]),
        {"lot": passing_lot.pk, "quantity": quantity},
    )

    assert response.status_code == 400
    assert "Quantity" in response.content.decode()
    assert not NeedMatch.objects.exists()
    passing_lot.refresh_from_db()
    assert passing_lot.quantity_reserved == 0


def test_confirming_without_a_quantity_still_reserves_what_the_need_lacks(
    client, need, coordinator, passing_lot
):
    client.force_login(coordinator)
    response = client.post(
        reverse("needs:staff-confirm", args=[need.pk]), {"lot": passing_lot.pk, "quantity": ""}
    )

    assert response.status_code == 302
    assert list(NeedMatch.objects.values_list("quantity", flat=True)) == [5000]


def test_confirming_an_unknown_lot_is_a_404(client, need, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("needs:staff-confirm", args=[need.pk]), {"lot": "987654"})

    assert response.status_code == 404


@pytest.mark.parametrize("contact", ["abc", "", "-3"])
def test_emailing_a_link_to_a_malformed_contact_is_a_400_naming_the_contact(
    client, coordinator, milan, contact, mailoutbox
):
    factories.ContactFactory(organisation=factories.RecipientFactory(city=milan))
    client.force_login(coordinator)
    response = client.post(reverse("needs:staff-link", args=[milan.slug]), {"contact": contact})

    assert response.status_code == 400
    assert "Contact" in response.content.decode()
    assert mailoutbox == []
