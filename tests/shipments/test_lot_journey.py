"""An accepted offer shows each lot's path to its donor as it happens."""

import datetime as dt

import pytest
from django.urls import reverse

from compliance import services as compliance_services
from shipments import services
from shipments.models import ReceiptRequest
from shipments.selectors import lot_journeys
from tests import factories


def _steps(lot):
    return [(step["key"], step["done"]) for step in lot_journeys(lot_ids=[lot.pk])[lot.pk]]


@pytest.mark.django_db
def test_a_lot_path_grows_from_received_to_distributed(
    client, received_lot, logistics_officer, clear_compliance, catalogue
):
    partner = factories.PartnerUserFactory(username="donor", organisation=received_lot.offer.donor)
    assert _steps(received_lot)[:3] == [
        ("received", True),
        ("checked", False),
        ("shipped", False),
    ]
    city = factories.SisterCityFactory()
    shipment = services.shipment_create(
        city=city, consignee=factories.RecipientFactory(city=city), created_by=logistics_officer
    )
    services.shipment_allocate(
        shipment=shipment, lot=received_lot, quantity=4000, actor=logistics_officer
    )
    clear_compliance(shipment)
    for target in ("ready", "booked", "in_transit"):
        services.shipment_transition(shipment=shipment, target=target, actor=logistics_officer)
    steps = lot_journeys(lot_ids=[received_lot.pk])[received_lot.pk]
    shipped = next(step for step in steps if step["key"] == "shipped")
    assert shipped["done"] and shipment.reference in shipped["label"]
    assert next(step for step in steps if not step["done"])["key"] == "delivered"

    for target in ("arrived", "delivered"):
        services.shipment_transition(shipment=shipment, target=target, actor=logistics_officer)
    request = ReceiptRequest.objects.create(
        shipment=shipment,
        contact=factories.ContactFactory(organisation=shipment.consignee),
        due_on=dt.date.today() + dt.timedelta(days=14),
    )
    for target in ("receipt_uploaded", "receipt_verified", "report_uploaded", "report_verified"):
        request = services.receipt_request_transition(
            request=request, target=target, actor=logistics_officer
        )
    assert [done for _key, done in _steps(received_lot)] == [True] * 6

    client.force_login(partner)
    page = client.get(
        reverse("donations:partner-offer-detail", args=[received_lot.offer.reference])
    )
    html = page.content.decode()
    assert f"Shipped on {shipment.reference}" in html
    assert 'data-step="distributed"' in html
    assert html.count("is-done") >= 6


@pytest.mark.django_db
def test_an_undecided_offer_shows_no_path(client, partner):
    lot = factories.LotFactory(offer__donor=partner.partner_membership.organisation)
    client.force_login(partner)
    page = client.get(reverse("donations:partner-offer-detail", args=[lot.offer.reference]))
    assert 'class="journey"' not in page.content.decode()


@pytest.mark.django_db
def test_the_path_reads_in_a_bounded_number_of_queries(
    received_lot, django_assert_max_num_queries, catalogue
):
    lots = [received_lot] + [factories.LotFactory() for _ in range(5)]
    compliance_services.lot_check_for_country(lot=received_lot, country="IT")
    with django_assert_max_num_queries(8):
        journeys = lot_journeys(lot_ids=[lot.pk for lot in lots])
    assert len(journeys) == 6
