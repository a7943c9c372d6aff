"""Documents for every lot, whatever door it came through, added from the offer page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from compliance import services as compliance_services
from compliance.models import ComplianceCheck
from donations import services

from .conftest import PDF_BYTES, pdf_file
from .test_import import URL as IMPORT_URL
from .test_import import _csv, _form, _row


def _add(client, lot, **data):
    return client.post(
        reverse("donations:lot-attachments-add", args=[lot.reference]),
        {"kind": "export_declaration", "files": [pdf_file("declaration.pdf")], **data},
    )


@pytest.fixture
def imported_lot(client, partner, standard, city):
    """A lot that came in by spreadsheet, from the partner's account: it has no documents."""
    client.force_login(partner)
    data = _form(_csv([_row(0)]))
    data["preferred_city"] = str(city.pk)
    client.post(IMPORT_URL, data)
    client.post(reverse("donations:offer-import-confirm"), {"token": "b" * 32})
    lot = partner.partner_membership.organisation.offers.get().lots.get()
    assert not lot.attachments.exists()
    return lot


@pytest.mark.django_db(transaction=True)
def test_a_partner_attaches_a_certificate_to_an_imported_lot_and_its_check_runs_again(
    client, partner, imported_lot, catalogue
):
    before = compliance_services.lot_check_for_country(lot=imported_lot, country="IT")
    response = _add(client, imported_lot)
    offer_page = reverse("donations:partner-offer-detail", args=[imported_lot.offer.reference])
    assert response["Location"] == f"{offer_page}#{imported_lot.reference}"
    attachment = imported_lot.attachments.get()
    assert (attachment.kind, attachment.original_name) == ("export_declaration", "declaration.pdf")
    assert attachment.uploaded_by == partner
    after = ComplianceCheck.objects.get(lot=imported_lot, is_current=True)
    assert after.pk != before.pk and not after.is_stale
    assert after.input_fingerprint != before.input_fingerprint
    rules = {f["rule"]: f["severity"] for f in after.findings}
    assert rules.get("CN-ANN12-NONMEDICAL-MASK", "info") != "fail"


@pytest.mark.django_db
def test_replacing_swaps_the_files_of_that_kind_only(client, partner, imported_lot):
    _add(client, imported_lot)
    _add(client, imported_lot, kind="test_report")
    second = SimpleUploadedFile("declaration-v2.pdf", PDF_BYTES + b"% v2\n", "application/pdf")
    _add(client, imported_lot, files=[second], replace="on")
    kinds = sorted(imported_lot.attachments.values_list("kind", "original_name"))
    assert kinds == [
        ("export_declaration", "declaration-v2.pdf"),
        ("test_report", "declaration.pdf"),
    ]


@pytest.mark.django_db
def test_uploads_are_checked_by_content_as_on_the_form(client, partner, imported_lot):
    fake = SimpleUploadedFile("cert.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = _add(client, imported_lot, files=[fake])
    assert response.status_code == 302
    assert not imported_lot.attachments.exists()


@pytest.mark.django_db
def test_who_may_add_documents(
    client, partner, imported_lot, coordinator, viewer, login, django_user_model
):
    from tests import factories

    other = factories.PartnerUserFactory(username="other")
    login(other)
    assert _add(client, imported_lot).status_code == 404
    login(viewer)
    _add(client, imported_lot)
    assert not imported_lot.attachments.exists()  # staff who only read cannot write
    # Once decided, the partner may no longer add; staff still may.
    services.offer_decide(offer=imported_lot.offer, actor=coordinator, accept=True)
    login(partner)
    _add(client, imported_lot)
    assert not imported_lot.attachments.exists()
    page = client.get(
        reverse("donations:partner-offer-detail", args=[imported_lot.offer.reference])
    )
    assert "lot-attachments-add" not in page.content.decode()
    assert 'class="lot-attach"' not in page.content.decode()
    login(coordinator)
    response = _add(client, imported_lot)
    assert response["Location"].startswith(
        reverse("donations:review-detail", args=[imported_lot.offer.reference])
    )
    assert imported_lot.attachments.get().file.read() == PDF_BYTES
