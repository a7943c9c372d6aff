"""Many rows of every kind the dashboard reads, fast (bulk_create), in every state it counts.

``populate(n)`` adds n offers, lots, checks, shipments (with a line, tracking events, a
document and a receipt request each) and needs; row i gets state i modulo each list of states,
so every card and chart has something to count whatever n is. Bulk writes bypass the services,
so it ends as a bulk load should: by rebuilding the per-shipment rollups the charts read.
"""

import datetime as dt
from decimal import Decimal
from itertools import count

from django.utils import timezone

from compliance.models import ComplianceCheck, RuleSet
from donations.models import DonationOffer, MaterialLot, Need
from partners.models import Contact, Organisation, SisterCity
from shipments.models import (
    ReceiptRequest,
    Shipment,
    ShipmentDocument,
    ShipmentLine,
    TrackingEvent,
)
from shipments.rollups import shipment_rollups_rebuild

_batch = count()

OFFER_STATUSES = ["submitted", "under_review", "accepted", "accepted", "declined"]
SHIPMENT_STATUSES = ["draft", "booked", "in_transit", "delivered", "receipt_confirmed"]
DOC_STATES = ["ready", "failed", "queued"]
RECEIPT_STATUSES = ["sent", "receipt_uploaded", "receipt_verified", "report_verified"]
NEED_STATUSES = ["open", "partly_met", "met", "closed"]
CATEGORIES = ["respirator_nonmedical", "medical_mask", "gloves"]
MODES = ["air", "sea", "rail"]
# Milestone events each shipment status has passed.
PASSED = {
    "draft": [],
    "booked": [],
    "in_transit": ["in_transit"],
    "delivered": ["in_transit", "arrived", "delivered"],
    "receipt_confirmed": ["in_transit", "arrived", "delivered", "receipt_confirmed"],
}


def _cities():
    cities = []
    for slug, name, country in [("milan", "Milan", "IT"), ("busan", "Busan", "KR")]:
        city, _ = SisterCity.objects.get_or_create(
            slug=slug, defaults={"name": name, "country": country}
        )
        cities.append(city)
    return cities


def populate(n: int) -> None:
    batch = next(_batch)
    now = timezone.now()
    today = timezone.localdate()
    cities = _cities()
    donor = Organisation.objects.create(kind="donor", name=f"Bulk donor {batch}")
    recipient = Organisation.objects.create(
        kind="recipient", name=f"Bulk recipient {batch}", city=cities[0]
    )
    contact = Contact.objects.create(organisation=recipient, name="Rita", email="r@example.org")
    rule_set, _ = RuleSet.objects.get_or_create(version="bulk", defaults={"title": "Bulk"})

    offers = DonationOffer.objects.bulk_create(
        DonationOffer(
            reference=f"B{batch}-OFF-{i}",
            donor=donor,
            status=OFFER_STATUSES[i % len(OFFER_STATUSES)],
            preferred_city=cities[i % 2],
        )
        for i in range(n)
    )
    # Offers came in over the 60 days before their goods left (the events are 30 days ago).
    for i, offer in enumerate(offers):
        offer.submitted_at = now - dt.timedelta(days=40 + i % 20, hours=i % 24)
    DonationOffer.objects.bulk_update(offers, ["submitted_at"])
    lots = MaterialLot.objects.bulk_create(
        MaterialLot(
            offer=offer,
            reference=f"B{batch}-LOT-{i}",
            category=CATEGORIES[i % len(CATEGORIES)],
            product=f"Product {i}",
            manufacturer="Maker",
            quantity_offered=1000,
            quantity_received=1000 if i % 5 else 0,
            quantity_allocated=100 if i % 5 else 0,
            status="received" if i % 5 else "pledged",
            is_quarantined=i % 7 == 1,
            cartons=10,
            gross_weight_kg=Decimal("50.00"),
            net_weight_kg=Decimal("40.00"),
            unit_value=Decimal("2.5000"),
            currency="CNY" if i % 4 else "EUR",
        )
        for i, offer in enumerate(offers)
    )
    ComplianceCheck.objects.bulk_create(
        ComplianceCheck(
            lot=lot,
            country="IT",
            rule_set=rule_set,
            result=["pass", "warn", "fail"][i % 3],
            export_date=today,
            arrival_date=today,
            input_fingerprint="x",
        )
        for i, lot in enumerate(lots)
    )
    shipments = Shipment.objects.bulk_create(
        Shipment(
            reference=f"B{batch}-SHP-{i}",
            city=cities[i % 2],
            consignee=recipient,
            status=SHIPMENT_STATUSES[i % len(SHIPMENT_STATUSES)],
            mode=MODES[i % len(MODES)],
            gross_weight_kg=Decimal("100.00"),
            chargeable_weight_kg=Decimal("120.00") if i % 2 else Decimal("0"),
            freight_cost=Decimal("600.00"),
        )
        for i in range(n)
    )
    received = [lot for lot in lots if lot.status == "received"]
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, lot=received[i % len(received)], quantity=100, cartons=1)
        for i, shipment in enumerate(shipments)
        if received
    )
    TrackingEvent.objects.bulk_create(
        TrackingEvent(
            shipment=shipment,
            status=status,
            occurred_at=now - dt.timedelta(days=30 - 3 * step),
        )
        for shipment in shipments
        for step, status in enumerate(PASSED[shipment.status])
    )
    ShipmentDocument.objects.bulk_create(
        ShipmentDocument(
            shipment=shipment,
            kind="packing_list",
            state=state,
            # A ready document has its file and digest (a constraint says so).
            file=f"documents/{shipment.reference}/packing_list-v1.pdf" if state == "ready" else "",
            sha256="0" * 64 if state == "ready" else "",
        )
        for shipment, state in (
            (shipment, DOC_STATES[i % len(DOC_STATES)]) for i, shipment in enumerate(shipments)
        )
    )
    ReceiptRequest.objects.bulk_create(
        ReceiptRequest(
            shipment=shipment,
            contact=contact,
            status=RECEIPT_STATUSES[i % len(RECEIPT_STATUSES)],
            due_on=today + dt.timedelta(days=-5 if i % 3 else 5),
        )
        for i, shipment in enumerate(shipments)
    )
    Need.objects.bulk_create(
        Need(
            recipient=recipient,
            city=cities[i % 2],
            category=CATEGORIES[i % len(CATEGORIES)],
            quantity=500,
            status=NEED_STATUSES[i % len(NEED_STATUSES)],
        )
        for i in range(n)
    )
    shipment_rollups_rebuild()
