"""Building a shipment with lines and reading a rendered PDF back as text."""

import subprocess

from donations import services as donation_services
from sfiec.roles import Role
from shipments import services as shipment_services
from tests import factories


def pdf_text(data: bytes) -> str:
    """The text poppler's pdftotext extracts (what a reader would see), pages split by \f.

    Runs of white space become one space, so a phrase wrapped in a table cell still matches.
    """
    assert data.startswith(b"%PDF-"), "not a PDF"
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    pages = result.stdout.decode().split("\f")
    return "\f".join(" ".join(page.split()) for page in pages)


def received_lot(actor, **values):
    """A lot accepted and received in full by a coordinator (``actor`` plans the shipment)."""
    coordinator = factories.UserFactory(username="cora", roles=[Role.COORDINATOR])
    lot = factories.LotFactory(**values)
    donation_services.offer_start_review(offer=lot.offer, actor=coordinator)
    donation_services.offer_accept(offer=lot.offer, actor=coordinator)
    return donation_services.lot_intake(
        lot=lot, actor=coordinator, result="accepted", quantity_received=lot.quantity_offered
    )


def shipment_with_lines(actor, *, lines=2, quantity=1000, **lot_values):
    """A draft shipment to Milan holding ``lines`` KN95 lots (the catalogue must be loaded)."""
    shipment = factories.ShipmentFactory()
    for _ in range(lines):
        lot = received_lot(actor, **lot_values)
        shipment_services.shipment_allocate(
            shipment=shipment, lot=lot, quantity=quantity, actor=actor
        )
    return shipment
