"""The receipt loop through its real doors: delivery, email, portal uploads, staff decisions."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sfiec.exceptions import DomainError
from shipments import receipts
from shipments.models import ReceiptEvidence, ReceiptRequest

from .conftest import PDF, png_bytes, png_upload, portal_path


def _report_data(line_pk=None, **extra):
    data = {
        "stage": "report",
        "rows-TOTAL_FORMS": "5",
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "50",
        "rows-0-institution": "Busan Medical Centre",
        "rows-0-line": str(line_pk or ""),
        "rows-0-quantity": "2500",
        "rows-1-institution": "Haeundae Care Home",
        "rows-1-line": "",
        "rows-1-quantity": "1500",
        "report-note": "Handed over on 3 March with the city's health office.",
    }
    data.update(extra)
    return data


def _to_recipient(shipment):
    email = shipment.receipt_request.contact.email
    return [m for m in mail.outbox if email in m.to]


def test_the_whole_loop(client, login, delivered, logistics_officer, coordinator, committed):
    request = delivered.receipt_request
    assert request.status == "sent"
    # 1. Delivery emailed the recipient a link.
    [invitation] = _to_recipient(delivered)
    assert delivered.reference in invitation.subject
    path = portal_path(invitation)
    page = client.get(path)
    assert page.status_code == 200
    assert "Send the receipt" in page.content.decode()

    # 2. The recipient uploads the signed receipt (a photo).
    mail.outbox.clear()
    with committed():
        response = client.post(
            path, {"stage": "receipt", "receipt-files": [png_upload("stamped.png")]}, follow=True
        )
    assert "we received your upload" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "receipt_uploaded"
    evidence = request.evidence.get()
    assert (evidence.kind, evidence.original_name) == ("signed_receipt", "stamped.png")
    assert any("awaits verification" in m.subject for m in mail.outbox)  # staff told

    # 3. Staff verify it; the recipient is told and asked for the report.
    mail.outbox.clear()
    staff = login(logistics_officer)
    detail = staff.get(reverse("shipments:receipt-detail", args=[delivered.reference]))
    assert 'id="verify"' in detail.content.decode()
    with committed():
        staff.post(reverse("shipments:receipt-verify", args=[delivered.reference]))
    request.refresh_from_db()
    delivered.refresh_from_db()
    assert request.status == "receipt_verified"
    assert delivered.status == "receipt_confirmed"
    [told] = _to_recipient(delivered)
    assert "verified" in told.subject and "distribution report" in told.body

    # 4. The recipient sends the report through the link of that email.
    client.logout()
    line = delivered.lines.get()
    data = _report_data(
        line.pk,
        **{"report-files": [png_upload("handover.png"), SimpleUploadedFile("r.pdf", PDF)]},
    )
    response = client.post(portal_path(told), data, follow=True)
    assert "we received your upload" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "report_uploaded"
    assert request.report_note.startswith("Handed over")
    rows = list(request.distribution_lines.values_list("institution", "quantity", "line"))
    assert rows == [("Busan Medical Centre", 2500, line.pk), ("Haeundae Care Home", 1500, None)]
    kinds = sorted(request.evidence.values_list("kind", flat=True))
    assert kinds == ["distribution_report", "photo", "signed_receipt"]

    # 5. A coordinator verifies the report: the loop is closed and the recipient thanked.
    mail.outbox.clear()
    login(coordinator, on=staff)
    with committed():
        staff.post(reverse("shipments:receipt-verify", args=[delivered.reference]))
    request.refresh_from_db()
    assert request.status == "report_verified"
    assert not request.evidence.filter(verified_at=None).exists()
    [thanks] = _to_recipient(delivered)
    assert "Nothing more is needed" in thanks.body
    final = client.get(portal_path(told))
    assert "Thank you" in final.content.decode()
    assert 'name="stage"' not in final.content.decode()


def test_a_rejection_needs_a_reason_and_the_recipient_is_told_it(
    client, login, delivered, logistics_officer, committed
):
    request = delivered.receipt_request
    path = portal_path(_to_recipient(delivered)[0])
    client.post(path, {"stage": "receipt", "receipt-files": [png_upload()]})
    staff = login(logistics_officer, on=type(client)())
    url = reverse("shipments:receipt-reject", args=[delivered.reference])
    staff.post(url, {"reason": "  "})
    request.refresh_from_db()
    assert request.status == "receipt_uploaded"

    mail.outbox.clear()
    with committed():
        staff.post(
            url, {"reason": "The stamp is missing; please stamp the form and send it again."}
        )
    request.refresh_from_db()
    assert request.status == "sent"
    assert request.rejection_reason.startswith("The stamp is missing")
    assert request.evidence.get().rejected_reason.startswith("The stamp is missing")
    [told] = _to_recipient(delivered)
    assert "The stamp is missing" in told.body
    assert "send your upload again" in told.subject
    page = client.get(portal_path(told)).content.decode()
    assert "The stamp is missing" in page and "Send the receipt" in page


def test_the_request_is_opened_once_per_shipment(delivered):
    assert len(_to_recipient(delivered)) == 1
    again = receipts.receipt_request_open(shipment=delivered)
    assert again.pk == delivered.receipt_request.pk
    assert ReceiptRequest.objects.filter(shipment=delivered).count() == 1
    assert len(_to_recipient(delivered)) == 1


def test_no_request_before_delivery(received_lot, logistics_officer, busan):
    from shipments import services
    from tests import factories

    shipment = services.shipment_create(
        city=busan, consignee=factories.RecipientFactory(city=busan), created_by=logistics_officer
    )
    with pytest.raises(DomainError, match="delivered"):
        receipts.receipt_request_open(shipment=shipment)


def test_without_a_contact_staff_are_told_and_nothing_is_opened(
    make_delivered, received_lot, coordinator
):
    mail.outbox.clear()
    shipment = make_delivered(received_lot, contact=False)
    assert not ReceiptRequest.objects.filter(shipment=shipment).exists()
    assert any("no contact" in m.subject and coordinator.email in m.to for m in mail.outbox)


def test_uploads_are_checked_as_on_the_offer_form(client, delivered):
    path = portal_path(_to_recipient(delivered)[0])
    html_as_png = SimpleUploadedFile("receipt.png", b"<html><script>alert(1)</script></html>")
    response = client.post(path, {"stage": "receipt", "receipt-files": [html_as_png]})
    assert "not an accepted file type" in response.content.decode()
    video_as_receipt = SimpleUploadedFile("receipt.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\0" * 64)
    response = client.post(path, {"stage": "receipt", "receipt-files": [video_as_receipt]})
    assert "not an accepted file type" in response.content.decode()
    response = client.post(path, {"stage": "receipt"})
    assert "Please attach the signed and stamped receipt" in response.content.decode()
    assert not ReceiptEvidence.objects.exists()
    delivered.receipt_request.refresh_from_db()
    assert delivered.receipt_request.status == "sent"


def test_a_file_over_the_size_cap_is_refused(client, delivered, settings):
    settings.UPLOAD_MAX_FILE_BYTES = 2000
    path = portal_path(_to_recipient(delivered)[0])
    big = SimpleUploadedFile("big.png", png_bytes(size=(400, 400)) + b"\0" * 3000)
    response = client.post(path, {"stage": "receipt", "receipt-files": [big]})
    assert "files may be at most" in response.content.decode()
    assert not ReceiptEvidence.objects.exists()


def test_an_image_is_stored_re_encoded_without_trailing_payload(client, delivered):
    path = portal_path(_to_recipient(delivered)[0])
    payload = png_bytes() + b"<script>alert(1)</script>"
    client.post(path, {"stage": "receipt", "receipt-files": [SimpleUploadedFile("r.png", payload)]})
    stored = ReceiptEvidence.objects.get().file.read()
    assert stored.startswith(b"\x89PNG") and b"<script>" not in stored


def test_the_report_needs_an_institution_and_cannot_give_more_than_was_shipped(
    client, login, delivered, logistics_officer
):
    request = delivered.receipt_request
    path = portal_path(_to_recipient(delivered)[0])
    client.post(path, {"stage": "receipt", "receipt-files": [png_upload()]})
    receipts.receipt_verify(request=request, actor=logistics_officer)
    empty = {k: v for k, v in _report_data().items() if not k.startswith("rows-0-")}
    empty = {k: v for k, v in empty.items() if not k.startswith("rows-1-")}
    response = client.post(path, empty)
    assert "at least one beneficiary institution" in response.content.decode()
    line = delivered.lines.get()
    too_many = _report_data(line.pk, **{"rows-0-quantity": "4001"})
    response = client.post(path, too_many)
    assert "than was shipped" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "receipt_verified"
    assert not request.distribution_lines.exists()


def test_a_stale_form_changes_nothing(client, delivered):
    path = portal_path(_to_recipient(delivered)[0])
    client.post(path, {"stage": "receipt", "receipt-files": [png_upload()]})
    response = client.post(path, {"stage": "receipt", "receipt-files": [png_upload()]}, follow=True)
    assert "already done" in response.content.decode()
    assert ReceiptEvidence.objects.count() == 1


def test_who_may_use_the_staff_pages(client, login, delivered, viewer, partner, outsider):
    list_url = reverse("shipments:receipt-list")
    detail = reverse("shipments:receipt-detail", args=[delivered.reference])
    verify = reverse("shipments:receipt-verify", args=[delivered.reference])
    assert client.get(list_url).status_code == 302  # to the login page
    for user in (partner, outsider):
        login(user)
        assert client.get(list_url).status_code == 403
    login(viewer)
    assert client.get(list_url).status_code == 200
    path = portal_path(_to_recipient(delivered)[0])
    client.post(path, {"stage": "receipt", "receipt-files": [png_upload()]})
    page = client.get(detail).content.decode()
    assert 'id="verify"' not in page and 'id="reject"' not in page
    assert client.post(verify).status_code == 403
    delivered.receipt_request.refresh_from_db()
    assert delivered.receipt_request.status == "receipt_uploaded"
    evidence = ReceiptEvidence.objects.get()
    download = client.get(reverse("shipments:receipt-evidence", args=[evidence.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")


def test_the_list_shows_overdue_requests_first(client, login, make_delivered, received_lot, viewer):
    import datetime as dt

    first = make_delivered(received_lot, quantity=1000)
    second = make_delivered(received_lot, quantity=1000)
    ReceiptRequest.objects.filter(shipment=first).update(due_on=dt.date(2099, 1, 1))
    ReceiptRequest.objects.filter(shipment=second).update(due_on=dt.date(2020, 1, 1))
    login(viewer)
    page = client.get(reverse("shipments:receipt-list")).content.decode()
    assert page.index(second.reference) < page.index(first.reference)
    overdue = client.get(reverse("shipments:receipt-list") + "?status=overdue").content.decode()
    assert second.reference in overdue and first.reference not in overdue


@pytest.mark.parametrize(
    ("city", "language", "expected"),
    [
        ("milan", "en", "Gentile"),  # an Italian template exists for the city's language
        ("busan", "en", "Dear"),  # no Korean template: English
        ("milan", "zh-hans", "您好"),  # a contact who reads Chinese gets Chinese
    ],
)
def test_the_email_language(make_delivered, received_lot, milan, busan, city, language, expected):
    mail.outbox.clear()
    shipment = make_delivered(
        received_lot, city={"milan": milan, "busan": busan}[city], language=language
    )
    [message] = [m for m in mail.outbox if shipment.receipt_request.contact.email in m.to]
    assert expected in message.body
    assert re.search(r"/receipt/[^/\s]+/", message.body)
    html = message.alternatives[0][0]
    assert portal_path(message) in html
