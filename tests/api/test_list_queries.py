"""Every API list makes the same number of queries with 10 rows as with 1,000 (no N+1).

The lists are enumerated from the URL resolver, so a list added later is covered too.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import EndpointEnumerator

from compliance.models import ComplianceCheck, RuleSet
from donations.models import DonationOffer, MaterialLot
from partners.models import Contact, Organisation, SisterCity
from shipments.models import Shipment, ShipmentLine
from tests import factories


def list_endpoints():
    return sorted(
        path
        for path, _regex, method, _callback in EndpointEnumerator().get_api_endpoints()
        if method == "GET" and path.startswith("/api/v1/") and "{" not in path
    )


def add_rows(count, *, partner, user, tag):
    """``count`` more of each listed thing, with their relations filled in."""
    organisation = partner.partner_membership.organisation
    city = SisterCity.objects.create(slug=f"city-{tag}", name=f"City {tag}", country="IT")
    recipients = Organisation.objects.bulk_create(
        Organisation(kind="recipient", name=f"Hospital {tag}-{n}", city=city) for n in range(count)
    )
    Contact.objects.bulk_create(
        Contact(organisation=organisation, name=f"C {tag}-{n}", email=f"c{tag}{n}@example.org")
        for n in range(count)
    )
    offers = DonationOffer.objects.bulk_create(
        DonationOffer(reference=f"OFF-{tag}-{n}", donor=organisation, preferred_city=city)
        for n in range(count)
    )
    standard = factories.StandardFactory()
    lots = MaterialLot.objects.bulk_create(
        MaterialLot(
            offer=offer,
            reference=f"LOT-{tag}-{n}",
            category="respirator_nonmedical",
            product="KN95",
            manufacturer="Maker",
            standard=standard,
            quantity_offered=100,
            quantity_received=100,
            cartons=1,
            units_per_carton=100,
            manufactured_on=dt.date(2026, 1, 1),
            expires_on=dt.date(2029, 1, 1),
            preferred_city=city,
            status="received",
        )
        for n, offer in enumerate(offers)
    )
    shipments = Shipment.objects.bulk_create(
        Shipment(reference=f"SH-{tag}-{n}", city=city, consignee=recipient, created_by=user)
        for n, recipient in enumerate(recipients)
    )
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, lot=lot, quantity=1, cartons=1)
        for shipment, lot in zip(shipments, lots, strict=True)
    )
    rule_set = RuleSet.objects.first()
    if rule_set is not None:
        ComplianceCheck.objects.bulk_create(
            ComplianceCheck(
                lot=lot,
                country="IT",
                rule_set=rule_set,
                result="fail",
                export_date=dt.date(2026, 3, 1),
                arrival_date=dt.date(2026, 3, 10),
                input_fingerprint="x",
                overridden_by=user,
                overridden_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
                override_reason="Accepted in writing by the consignee's health authority",
            )
            for lot in lots
        )


def query_counts(client):
    counts = {}
    for path in list_endpoints():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code in (200, 403), (path, response.status_code)
        counts[path] = (len(queries), response.json().get("count"))
    return counts


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager", "partner"])
def test_lists_make_as_many_queries_for_1000_rows_as_for_10(
    who, request, api_client, partner, manager, catalogue
):
    api_client.force_authenticate(request.getfixturevalue(who))
    add_rows(10, partner=partner, user=manager, tag="a")
    query_counts(api_client)  # once to warm what is cached per user (its roles)
    small = query_counts(api_client)
    add_rows(990, partner=partner, user=manager, tag="b")
    large = query_counts(api_client)
    grew = {path: (small[path], large[path]) for path in small if small[path][0] != large[path][0]}
    assert not grew, grew
    # The rows really are there (counts are exact: the cache keeps only counts of big lists).
    assert large["/api/v1/lots/"][1] == small["/api/v1/lots/"][1] + 990
