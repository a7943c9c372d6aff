"""The donor's proof in the partner area, its acknowledgement PDF, and the public trace page."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sfiec.exceptions import DomainError
from sfiec.uploads import upload_check
from shipments import receipts
from shipments.models import ReceiptEvidence
from tests import factories

from .conftest import PDF, png_bytes


def _checked(name, data):
    return upload_check(SimpleUploadedFile(name, data), allowed=receipts.EVIDENCE_TYPES)


@pytest.fixture
def donor(received_lot):
    return factories.PartnerUserFactory(username="dora", organisation=received_lot.offer.donor)


@pytest.fixture
def other_donor(db):
    return factories.PartnerUserFactory(username="bert")


@pytest.fixture
def proven(make_delivered, received_lot, logistics_officer):
    """A delivered shipment of the donor's lot whose receipt and report are both verified."""
    shipment = make_delivered(received_lot)
    request = shipment.receipt_request
    receipts.receipt_upload(request=request, files=[_checked("receipt.pdf", PDF)])
    receipts.receipt_verify(request=request, actor=logistics_officer)
    line = shipment.lines.get()
    receipts.receipt_upload(
        request=request,
        files=[
            _checked("kept.png", png_bytes((10, 200, 10))),
            _checked("private.png", png_bytes((200, 10, 10))),
        ],
        note="Handed over with the health office.",
        distribution=[
            {"institution": "Busan Medical Centre", "quantity": 3000, "line": line},
            {"institution": "Haeundae Care Home", "quantity": 1000, "line": None},
        ],
    )
    receipts.receipt_verify(request=request, actor=logistics_officer)
    return shipment


def _proof(reference):
    return reverse("shipments:offer-proof", args=[reference])


def test_the_donor_sees_where_its_goods_went(client, login, donor, proven, received_lot):
    login(donor)
    offer = received_lot.offer
    detail = client.get(reverse("donations:partner-offer-detail", args=[offer.reference]))
    assert _proof(offer.reference) in detail.content.decode()
    page = client.get(_proof(offer.reference)).content.decode()
    for expected in (proven.reference, "Busan", "Busan Medical Centre", "Haeundae Care Home"):
        assert expected in page
    for evidence in ReceiptEvidence.objects.all():
        url = reverse("shipments:proof-evidence", args=[evidence.pk])
        assert url in page
        assert client.get(url).status_code == 200


def test_evidence_not_yet_verified_is_not_shown(client, login, donor, make_delivered, received_lot):
    shipment = make_delivered(received_lot)
    receipts.receipt_upload(request=shipment.receipt_request, files=[_checked("r.pdf", PDF)])
    login(donor)
    page = client.get(_proof(received_lot.offer.reference)).content.decode()
    assert shipment.reference in page and "awaited" in page
    pending = ReceiptEvidence.objects.get()
    assert reverse("shipments:proof-evidence", args=[pending.pk]) not in page
    assert client.get(reverse("shipments:proof-evidence", args=[pending.pk])).status_code == 404
    assert 'id="acknowledgement"' not in page
    ack = reverse("shipments:offer-acknowledgement", args=[received_lot.offer.reference])
    assert client.get(ack).status_code == 404


def test_another_partner_gets_404_everywhere(
    client, login, other_donor, proven, received_lot, viewer
):
    reference = received_lot.offer.reference
    urls = [
        _proof(reference),
        reverse("shipments:offer-acknowledgement", args=[reference]),
        *(
            reverse("shipments:proof-evidence", args=[pk])
            for pk in ReceiptEvidence.objects.values_list("pk", flat=True)
        ),
    ]
    login(other_donor)
    for url in urls:
        assert client.get(url).status_code == 404, url
    naming = reverse("shipments:offer-naming", args=[reference])
    assert client.post(naming, {"is_named": "1"}).status_code == 404
    received_lot.offer.refresh_from_db()
    assert received_lot.offer.is_donor_named_publicly is False
    client.logout()
    assert client.get(urls[0]).status_code == 302  # anonymous: to the login page
    login(viewer)
    assert client.get(urls[0]).status_code == 403  # staff have the staff pages


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler's pdftotext")
def test_the_acknowledgement_pdf_says_where_and_when(
    client, login, donor, proven, received_lot, tmp_path
):
    login(donor)
    reference = received_lot.offer.reference
    response = client.get(reverse("shipments:offer-acknowledgement", args=[reference]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = Path(os.environ.get("SFIEC_SCREENSHOTS") or tmp_path) / "acknowledgement.pdf"
    pdf.write_bytes(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    delivered = proven.events.get(status="delivered").occurred_at
    from django.utils import timezone

    day = timezone.localdate(delivered)
    assert f"reached Busan on {day:%-d %B %Y}" in text
    for expected in (reference, proven.reference, "Busan Medical Centre", "Haeundae Care Home"):
        assert expected in text
    assert "釜山" in text  # the Chinese name of the city renders (a CJK font is embedded)


def test_the_trace_page_shows_only_what_is_approved(
    client, login, proven, received_lot, donor, logistics_officer
):
    kept, private = ReceiptEvidence.objects.filter(kind="photo").order_by("original_name")
    receipts.receipt_evidence_publish(evidence=kept, actor=logistics_officer, is_published=True)
    trace = reverse("shipments:trace", args=[proven.public_token])
    page = client.get(trace).content.decode()
    assert proven.reference in page and "Busan" in page and "KN95 respirator" in page
    assert "Distribution report verified" in page
    donor_name = received_lot.offer.donor.name
    assert donor_name not in page and "1 donor who prefers not to be named" in page
    kept_url = reverse("shipments:trace-photo", args=[proven.public_token, kept.pk])
    private_url = reverse("shipments:trace-photo", args=[proven.public_token, private.pk])
    assert kept_url in page and private_url not in page
    assert client.get(kept_url).status_code == 200
    assert client.get(private_url).status_code == 404
    # Nothing of the recipient's paperwork, names or notes is public.
    receipt = ReceiptEvidence.objects.get(kind="signed_receipt")
    assert (
        client.get(
            reverse("shipments:trace-photo", args=[proven.public_token, receipt.pk])
        ).status_code
        == 404
    )
    for hidden in ("Busan Medical Centre", "Handed over", proven.consignee.name):
        assert hidden not in page
    # The donor agrees to be named: now the page names it.
    login(donor)
    client.post(
        reverse("shipments:offer-naming", args=[received_lot.offer.reference]), {"is_named": "1"}
    )
    client.logout()
    assert donor_name in client.get(trace).content.decode()


def test_a_wrong_trace_token_is_404_and_tokens_differ(client, make_delivered, received_lot):
    first = make_delivered(received_lot, quantity=1000)
    second = make_delivered(received_lot, quantity=1000)
    assert first.public_token != second.public_token and len(first.public_token) >= 20
    assert client.get(reverse("shipments:trace", args=["not-a-token"])).status_code == 404
    kept_of_first = reverse("shipments:trace-photo", args=[second.public_token, 1])
    assert client.get(kept_of_first).status_code == 404


def test_who_may_publish_a_photo(
    client, login, proven, viewer, logistics_officer, make_delivered, received_lot
):
    photo = ReceiptEvidence.objects.filter(kind="photo").first()
    url = reverse("shipments:receipt-evidence-publish", args=[photo.pk])
    login(viewer)
    assert client.post(url, {"publish": "1"}).status_code == 403
    photo.refresh_from_db()
    assert photo.is_published is False
    login(logistics_officer)
    client.post(url, {"publish": "1"})
    photo.refresh_from_db()
    assert photo.is_published is True
    # A photo of a report nobody has verified yet cannot be published, nor a receipt.
    other = make_delivered(received_lot, quantity=1000)
    request = other.receipt_request
    receipts.receipt_upload(request=request, files=[_checked("r.png", png_bytes())])
    with pytest.raises(DomainError, match="Only photos"):
        receipts.receipt_evidence_publish(
            evidence=request.evidence.get(), actor=logistics_officer, is_published=True
        )
    receipts.receipt_verify(request=request, actor=logistics_officer)
    receipts.receipt_upload(
        request=request,
        files=[_checked("p.png", png_bytes())],
        distribution=[{"institution": "Clinic", "quantity": 10, "line": None}],
    )
    with pytest.raises(DomainError, match="Only verified photos"):
        receipts.receipt_evidence_publish(
            evidence=request.evidence.get(kind="photo"), actor=logistics_officer, is_published=True
        )
