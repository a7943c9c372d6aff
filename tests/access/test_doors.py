"""One permission model behind every door: the admin, the staff pages and the API agree.

The table below is the specification; each door is exercised for real and must change the
database exactly when the role is allowed, and nothing else.
"""

import os

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from compliance.models import ComplianceCheck
from donations import services as donation_services
from donations.models import DonationOffer, MaterialLot
from sfiec.roles import Role
from shipments import services as shipment_services
from shipments.models import Shipment, ShipmentLine
from tests import factories

ROLES = [Role.COORDINATOR, Role.LOGISTICS, Role.COMPLIANCE, Role.MANAGER, Role.VIEWER]
ALLOWED = {
    "offer.review": {Role.COORDINATOR, Role.MANAGER},
    "lot.receive": {Role.COORDINATOR, Role.MANAGER},
    "shipment.allocate": {Role.LOGISTICS, Role.MANAGER},
    "shipment.transition": {Role.LOGISTICS, Role.MANAGER},
    "check.override": {Role.COMPLIANCE},  # segregation of duties: not even a manager
    "check.run": {Role.COORDINATOR, Role.LOGISTICS, Role.COMPLIANCE, Role.MANAGER},
}
REASON = "Accepted in writing by the consignee's health authority"


def _action(model, fragment: str) -> str:
    names = [a.__name__ for a in admin.site._registry[model].actions if callable(a)]
    (name,) = [n for n in names if fragment in n]
    return name


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _admin_action(model, fragment, obj, **extra):
    def door(client):
        return client.post(
            _changelist(model),
            {"action": _action(model, fragment), "_selected_action": [obj.pk], **extra},
        )

    return door


@pytest.fixture
def setup(db, coordinator, logistics_officer, clear_compliance, kn95_lot):
    """Build the object each service needs; return (door call, did it change?)."""

    def build(service, door):
        if service == "offer.review":
            offer = factories.LotFactory().offer
            if door == "page":
                donation_services.offer_start_review(offer=offer, actor=coordinator)
                call = lambda c: c.post(  # noqa: E731
                    reverse("donations:review-decide", args=[offer.reference]),
                    {"accept-decision": "accept", "accept-reason": "Fine"},
                )
                return call, lambda: DonationOffer.objects.get(pk=offer.pk).status == "accepted"
            if door == "admin":
                call = _admin_action(DonationOffer, "start_review", offer)
            else:
                call = lambda c: c.post(  # noqa: E731
                    f"/api/v1/offers/{offer.reference}/start-review/", {}, format="json"
                )
            return call, lambda: DonationOffer.objects.get(pk=offer.pk).status == "under_review"
        if service == "lot.receive":
            lot = factories.LotFactory()
            donation_services.offer_start_review(offer=lot.offer, actor=coordinator)
            donation_services.offer_accept(offer=lot.offer, actor=coordinator)
            if door == "admin":
                call = _admin_action(MaterialLot, "receive", lot)
            elif door == "page":
                call = lambda c: c.post(  # noqa: E731
                    reverse("donations:lot-intake", args=[lot.reference]),
                    {"result": "accepted", "quantity_received": lot.quantity_offered},
                )
            else:
                call = lambda c: c.post(  # noqa: E731
                    f"/api/v1/lots/{lot.reference}/receive/",
                    {"result": "accepted", "quantity_received": lot.quantity_offered},
                    format="json",
                )
            return call, lambda: MaterialLot.objects.get(pk=lot.pk).status == "received"
        if service in ("shipment.allocate", "shipment.transition"):
            city = factories.SisterCityFactory()
            shipment = shipment_services.shipment_create(
                city=city,
                consignee=factories.RecipientFactory(city=city),
                created_by=logistics_officer,
            )
            if service == "shipment.allocate":
                lot = kn95_lot
                if door == "admin":
                    call = lambda c: c.post(  # noqa: E731
                        reverse("admin:shipments_shipmentline_add"),
                        {"shipment": shipment.pk, "lot": lot.pk, "quantity": 100, "cartons": 1},
                    )
                else:
                    call = lambda c: c.post(  # noqa: E731
                        f"/api/v1/shipments/{shipment.pk}/allocate/",
                        {"lot": lot.pk, "quantity": 100},
                        format="json",
                    )
                return call, lambda: ShipmentLine.objects.filter(shipment=shipment).exists()
            if door == "admin":
                call = _admin_action(
                    Shipment, "cancelled", shipment, apply="1", reason="Consignee closed"
                )
            else:
                call = lambda c: c.post(  # noqa: E731
                    f"/api/v1/shipments/{shipment.pk}/transition/",
                    {"status": "cancelled", "note": "Consignee closed"},
                    format="json",
                )
            return call, lambda: Shipment.objects.get(pk=shipment.pk).status == "cancelled"
        if service == "check.override":
            check = ComplianceCheck.objects.get(lot=kn95_lot, is_current=True)
            assert check.result == "fail"
            if door == "admin":
                call = _admin_action(ComplianceCheck, "override", check, apply="1", reason=REASON)
            elif door == "page":
                call = lambda c: c.post(  # noqa: E731
                    reverse("compliance:check-override", args=[check.pk]), {"reason": REASON}
                )
            else:
                call = lambda c: c.post(  # noqa: E731
                    f"/api/v1/compliance-checks/{check.pk}/override/",
                    {"reason": REASON},
                    format="json",
                )
            return call, lambda: ComplianceCheck.objects.get(pk=check.pk).overridden_by_id
        if service == "check.run":
            ComplianceCheck.objects.filter(lot=kn95_lot).delete()
            before = 0
            call = lambda c: c.post(  # noqa: E731
                reverse("compliance:lot-run", args=[kn95_lot.reference]), {"country": "IT"}
            )
            return call, lambda: ComplianceCheck.objects.filter(lot=kn95_lot).count() > before
        raise AssertionError(service)

    return build


DOORS = [
    ("offer.review", "admin"),
    ("offer.review", "page"),
    ("offer.review", "api"),
    ("lot.receive", "admin"),
    ("lot.receive", "page"),
    ("lot.receive", "api"),
    ("shipment.allocate", "admin"),
    ("shipment.allocate", "api"),
    ("shipment.transition", "admin"),
    ("shipment.transition", "api"),
    ("check.override", "admin"),
    ("check.override", "page"),
    ("check.override", "api"),
    ("check.run", "page"),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("service", "door"), DOORS)
def test_every_door_lets_exactly_the_allowed_roles_through(setup, client, role, service, door):
    call, changed = setup(service, door)
    user = factories.UserFactory(username=f"u-{role}", roles=[role])
    if door == "api":
        client = APIClient()
        client.force_authenticate(user)
    else:
        client.force_login(user)
    response = call(client)
    allowed = role in ALLOWED[service]
    assert bool(changed()) is allowed, (role, service, door, response.status_code)
    if door in ("api", "page") and not allowed:
        assert response.status_code == 403


@pytest.mark.parametrize(
    ("role", "model", "hidden", "shown"),
    [
        (Role.LOGISTICS, DonationOffer, "action_start_review", None),
        (Role.LOGISTICS, MaterialLot, "action_receive", None),
        (Role.COORDINATOR, Shipment, "action_move_to", None),
        (Role.MANAGER, ComplianceCheck, "action_override", None),
        (Role.COMPLIANCE, ComplianceCheck, None, "action_override"),
        (Role.COORDINATOR, DonationOffer, None, "action_start_review"),
    ],
)
def test_the_admin_offers_only_the_actions_the_role_may_take(
    client, kn95_lot, logistics_officer, role, model, hidden, shown
):
    city = factories.SisterCityFactory()
    shipment_services.shipment_create(
        city=city, consignee=factories.RecipientFactory(city=city), created_by=logistics_officer
    )
    client.force_login(factories.UserFactory(username=f"u-{role}", roles=[role]))
    page = client.get(_changelist(model))
    assert page.status_code == 200
    html = page.content.decode()
    if hidden:
        assert hidden not in html
    if shown:
        assert shown in html


def test_the_viewer_is_offered_no_admin_action_anywhere(client, viewer):
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    client.force_login(viewer)
    ours = {"sfiec", "partners", "donations", "compliance", "shipments"}
    seen = 0
    for model in admin.site._registry:
        if model._meta.app_label not in ours:
            continue
        page = client.get(_changelist(model))
        assert page.status_code == 200, model
        if model.objects.exists():
            seen += 1
        assert 'name="action"' not in page.content.decode(), model
    assert seen > 10
