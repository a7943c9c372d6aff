"""A recipient on a 390 px phone uploads a receipt photo; the donor then sees the proof.

Screenshots go to SFIEC_SCREENSHOTS (a folder) when it is set, else to a temporary folder.
"""

import os
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sfiec.uploads import EVIDENCE_TYPES, upload_check
from shipments import receipts
from shipments.models import ReceiptRequest
from tests import factories
from tests.shipments.receipts import conftest as receipt_fixtures
from tests.shipments.receipts.conftest import PDF, png_bytes, portal_path

# The receipt tests' fixtures, used here too.
busan = receipt_fixtures.busan
make_delivered = receipt_fixtures.make_delivered

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _fits(page, width):
    overflow = page.evaluate("document.documentElement.scrollWidth") - width
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the {width}px screen"


def _image_width(page, selector):
    """The decoded width of an image once it has loaded (lazy images load when in view)."""
    page.locator(selector).first.scroll_into_view_if_needed()
    page.wait_for_function(
        "s => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth }",
        arg=selector,
    )
    return page.eval_on_selector(selector, "img => img.naturalWidth")


def _shoot(page, path, width):
    page.screenshot(path=str(path), full_page=True)
    _fits(page, width)


@pytest.fixture
def shots(tmp_path):
    out = Path(os.environ.get("SFIEC_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_a_recipient_on_a_phone_uploads_a_receipt_photo(
    live_server, browser, shots, tmp_path, make_delivered, received_lot, logistics_officer
):
    mail.outbox.clear()
    shipment = make_delivered(received_lot)
    [invitation] = [m for m in mail.outbox if shipment.receipt_request.contact.email in m.to]
    photo = tmp_path / "IMG_2041.png"
    photo.write_bytes(png_bytes(size=(1200, 1600)))

    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + portal_path(invitation))
    assert shipment.reference in page.inner_text("h1")
    _shoot(page, shots / "receipt_portal_phone.png", PHONE["width"])
    button = page.locator("#send-receipt")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # a thumb-sized, full-width button
    page.set_input_files("[name=receipt-files]", str(photo))
    button.tap()
    page.wait_for_selector(".message-success")
    assert "being checked" in page.inner_text("main")
    _shoot(page, shots / "receipt_portal_sent_phone.png", PHONE["width"])

    request = ReceiptRequest.objects.get(shipment=shipment)
    assert request.status == "receipt_uploaded"
    evidence = request.evidence.get()
    assert (evidence.kind, evidence.original_name, evidence.content_type) == (
        "signed_receipt",
        "IMG_2041.png",
        "image/png",
    )

    # Once verified, the same link asks for the distribution report; it fits the phone too.
    receipts.receipt_verify(request=request, actor=logistics_officer)
    page.goto(live_server.url + portal_path(invitation))
    page.wait_for_selector("#send-report")
    assert page.locator("[data-row]:visible").count() == 2
    _shoot(page, shots / "receipt_portal_report_phone.png", PHONE["width"])
    page.fill("[name=rows-0-institution]", "Busan Medical Centre")
    page.fill("[name=rows-0-quantity]", "2500")
    page.fill("[name=rows-1-institution]", "Haeundae Care Home")
    page.fill("[name=rows-1-quantity]", "1000")
    page.locator("#add-row").tap()
    assert page.locator("[data-row]:visible").count() == 3
    page.fill("[name=rows-2-institution]", "Suyeong District Office")
    page.fill("[name=rows-2-quantity]", "500")
    page.set_input_files("[name=report-files]", str(photo))
    page.locator("#send-report").tap()
    page.wait_for_selector(".message-success")
    request.refresh_from_db()
    assert request.status == "report_uploaded"
    assert list(request.distribution_lines.values_list("quantity", flat=True)) == [2500, 1000, 500]
    context.close()


def test_the_donor_proof_page_fits_phone_and_desktop(
    live_server, browser, shots, make_delivered, received_lot, logistics_officer
):
    donor = factories.PartnerUserFactory(username="dora", organisation=received_lot.offer.donor)
    donor.save()
    shipment = make_delivered(received_lot)
    request = shipment.receipt_request

    def checked(name, data):
        return upload_check(SimpleUploadedFile(name, data), allowed=EVIDENCE_TYPES)

    receipts.receipt_upload(request=request, files=[checked("receipt.pdf", PDF)])
    receipts.receipt_verify(request=request, actor=logistics_officer)
    receipts.receipt_upload(
        request=request,
        files=[checked("handover.png", png_bytes((30, 120, 200), size=(640, 480)))],
        note="Handed over with the city's health office.",
        distribution=[
            {"institution": "Busan Medical Centre", "quantity": 3000, "line": shipment.lines.get()},
            {"institution": "Haeundae Care Home", "quantity": 1000, "line": None},
        ],
    )
    receipts.receipt_verify(request=request, actor=logistics_officer)
    receipts.receipt_evidence_publish(
        evidence=request.evidence.get(kind="photo"), actor=logistics_officer, is_published=True
    )
    proof = reverse("shipments:offer-proof", args=[received_lot.offer.reference])
    trace = reverse("shipments:trace", args=[shipment.public_token])
    for label, width in (("phone", 390), ("desktop", 1280)):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(live_server.url + trace)
        assert _image_width(page, ".trace-photos img") == 640
        _shoot(page, shots / f"trace_{label}.png", width)
        page.goto(live_server.url + reverse("login"))
        page.fill("[name=username]", "dora")
        page.fill("[name=password]", "correct horse battery")
        page.click("main button[type=submit]")
        page.goto(live_server.url + proof)
        assert "Busan Medical Centre" in page.inner_text("main")
        assert _image_width(page, ".proof img.thumb") == 640
        _shoot(page, shots / f"proof_{label}.png", width)
        context.close()
