"""A refused line or move is shown at the URL its form posted to; reloading that page (a GET)
goes back to the shipment's workspace instead of a bare "405 Method Not Allowed"."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_reloading_a_refused_line_goes_back_to_the_lots(client, login, logistics_officer, shipment):
    login(logistics_officer)
    url = reverse("shipments:line-add", args=[shipment.reference])
    refused = client.post(url, {"lot": 999_999, "quantity": 10})
    assert refused.status_code == 400  # shown beside the form, at the form's URL
    reloaded = client.get(url, follow=True)
    assert reloaded.redirect_chain == [
        (reverse("shipments:detail", args=[shipment.reference]) + "#add-lines", 302)
    ]
    assert reloaded.status_code == 200 and "Add lots" in reloaded.text


def test_reloading_a_refused_move_goes_back_to_the_status(
    client, login, logistics_officer, shipment
):
    login(logistics_officer)
    url = reverse("shipments:move", args=[shipment.reference])
    refused = client.post(url, {"target": "cancelled"})  # a cancellation needs its note
    assert refused.status_code == 400
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("shipments:detail", args=[shipment.reference]) + "#status"
    )


def test_a_reload_neither_writes_nor_opens_the_door_to_other_roles(
    client, login, coordinator, shipment
):
    login(coordinator)
    for name in ("shipments:line-add", "shipments:move"):
        assert client.get(reverse(name, args=[shipment.reference])).status_code == 403
