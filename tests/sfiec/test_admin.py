"""The admin is enough to run the whole flow before the dashboard exists."""

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from donations.models import DonationOffer
from shipments.models import Shipment, ShipmentLine


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))


@pytest.fixture
def manager_client(client, demo):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="manager"))
    return client


def test_every_model_has_a_working_list_and_change_page(manager_client):
    ours = {"sfiec", "partners", "standards", "donations", "compliance", "shipments"}
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label not in ours:
            continue  # user accounts are a superuser's business
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert manager_client.get(changelist).status_code == 200, changelist
        assert manager_client.get(changelist + "?q=2026").status_code == 200, changelist
        obj = model.objects.first()
        if obj is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert manager_client.get(change).status_code == 200, change


def test_history_is_visible_in_the_admin(manager_client):
    offer = DonationOffer.objects.get(status="declined")
    page = manager_client.get(reverse("admin:donations_donationoffer_history", args=[offer.pk]))
    assert page.status_code == 200
    assert "five months" in page.content.decode()


def test_declining_from_the_admin_asks_for_a_reason(manager_client):
    offer = DonationOffer.objects.get(status="under_review")
    url = reverse("admin:donations_donationoffer_changelist")
    action = "action_decline_with_a_reason"
    page = manager_client.post(url, {"action": action, "_selected_action": [offer.pk]})
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    offer.refresh_from_db()
    assert offer.status == "under_review"

    manager_client.post(
        url,
        {
            "action": action,
            "_selected_action": [offer.pk],
            "apply": "1",
            "reason": "No certificates",
        },
    )
    offer.refresh_from_db()
    assert (offer.status, offer.decision_reason) == ("declined", "No certificates")


def test_an_illegal_move_from_the_admin_is_reported_and_changes_nothing(manager_client):
    shipment = Shipment.objects.get(status="delivered")
    url = reverse("admin:shipments_shipment_changelist")
    response = manager_client.post(
        url, {"action": "action_move_to__draft_", "_selected_action": [shipment.pk]}, follow=True
    )
    shipment.refresh_from_db()
    assert shipment.status == "delivered"
    response = manager_client.post(
        url, {"action": "action_move_to__booked_", "_selected_action": [shipment.pk]}, follow=True
    )
    assert "cannot move from “delivered” to “booked”" in response.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == "delivered"


def test_shipments_cannot_be_deleted_and_departed_ones_are_read_only(manager_client):
    shipment = Shipment.objects.get(status="in_transit")
    page = manager_client.get(reverse("admin:shipments_shipment_change", args=[shipment.pk]))
    html = page.content.decode()
    assert 'name="freight_cost"' not in html
    assert (
        manager_client.get(
            reverse("admin:shipments_shipment_delete", args=[shipment.pk])
        ).status_code
        == 403
    )


def test_over_allocating_from_the_admin_is_refused_with_a_message(manager_client):
    from donations.models import MaterialLot

    draft = Shipment.objects.get(status="draft")
    lot = MaterialLot.objects.allocatable().exclude(shipment_lines__shipment=draft).first()
    before = lot.quantity_allocated
    response = manager_client.post(
        reverse("admin:shipments_shipmentline_add"),
        {"shipment": draft.pk, "lot": lot.pk, "quantity": lot.quantity_available + 1, "cartons": 0},
        follow=True,
    )
    assert "units of" in response.content.decode() and "are available" in response.content.decode()
    lot.refresh_from_db()
    assert lot.quantity_allocated == before
    assert ShipmentLine.objects.filter(shipment=draft).count() == 1


def test_read_only_viewers_cannot_change_anything(client, demo):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="viewer"))
    shipment = Shipment.objects.get(status="draft")
    assert client.get(reverse("admin:shipments_shipment_changelist")).status_code == 200
    response = client.post(
        reverse("admin:shipments_shipment_change", args=[shipment.pk]), {"freight_cost": "1"}
    )
    assert response.status_code == 403


def test_partners_have_no_admin(client, partner):
    client.force_login(partner)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "login" in response["Location"]
