"""Fixtures of the receipt loop tests: a shipment delivered through the services, files."""

import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shipments import services
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes(colour=(180, 120, 60), size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name="receipt.png", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(**kwargs), content_type="image/png")


def portal_path(message) -> str:
    """The portal path of the link in an email (the body and the HTML carry the same one)."""
    found = re.search(r"https?://[^/\s]+(/receipt/[^\s\"<]+/)", message.body)
    assert found, message.body
    return found.group(1)


def deliver(shipment, actor, on_commit):
    for target in ("ready", "booked", "in_transit", "arrived"):
        services.shipment_transition(shipment=shipment, target=target, actor=actor)
    with on_commit(execute=True):
        services.shipment_transition(shipment=shipment, target="delivered", actor=actor)
    shipment.refresh_from_db()
    return shipment


@pytest.fixture
def busan(db):
    return factories.SisterCityFactory(slug="busan", name="Busan", name_zh="釜山", country="KR")


@pytest.fixture
def make_delivered(
    db, logistics_officer, clear_compliance, django_capture_on_commit_callbacks, busan
):
    """Build a shipment of ``quantity`` units of ``lot`` to ``city`` and deliver it."""

    def make(lot, *, city=None, quantity=4000, language="en", contact=True):
        city = city or busan
        consignee = factories.RecipientFactory(city=city)
        recipient = (
            factories.ContactFactory(
                organisation=consignee, email=f"store@{consignee.pk}.example.org", language=language
            )
            if contact
            else None
        )
        shipment = services.shipment_create(
            city=city,
            consignee=consignee,
            created_by=logistics_officer,
            consignee_contact=recipient,
        )
        services.shipment_allocate(
            shipment=shipment, lot=lot, quantity=quantity, actor=logistics_officer
        )
        clear_compliance(shipment)
        return deliver(shipment, logistics_officer, django_capture_on_commit_callbacks)

    return make


@pytest.fixture
def delivered(make_delivered, received_lot):
    mail.outbox.clear()
    shipment = make_delivered(received_lot)
    return shipment


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the code defers to the commit (tasks, emails), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
