"""The customs pack: every document rendered, versions, idempotence, a missing CJK font."""

import hashlib

import pytest
from django.core.files.storage import default_storage

from shipments import documents
from shipments import services as shipment_services
from shipments.models import ShipmentDocument

from .documents_helpers import pdf_text, received_lot, shipment_with_lines

State = ShipmentDocument.State
Kind = ShipmentDocument.Kind


@pytest.fixture
def shipment(catalogue, logistics_officer):
    return shipment_with_lines(logistics_officer)


@pytest.fixture
def generate(django_capture_on_commit_callbacks, logistics_officer):
    """Generate the pack and run the renders it enqueues (eager Celery, after commit)."""

    def run(shipment, actor=logistics_officer):
        with django_capture_on_commit_callbacks(execute=True):
            documents.shipment_documents_generate(shipment=shipment, actor=actor)
        return {d.kind: d for d in documents.shipment_documents_current(shipment)}

    return run


def _read(doc) -> bytes:
    with default_storage.open(doc.file.name, "rb") as handle:
        return handle.read()


def test_generating_the_pack_renders_every_document_as_a_pdf(shipment, generate):
    docs = generate(shipment)

    assert list(docs) == [
        Kind.PROFORMA_INVOICE,
        Kind.PACKING_LIST,
        Kind.DONATION_CERTIFICATE,
        Kind.DECLARATION_OF_CONFORMITY,
        Kind.JOINT_DECLARATION,
        Kind.CARTON_LABELS,
        Kind.RECEIPT_FORM,
    ]
    for kind, doc in docs.items():
        assert doc.state == State.READY, (kind, doc.error)
        data = _read(doc)
        assert hashlib.sha256(data).hexdigest() == doc.sha256
        assert doc.file.name == documents.storage_key(shipment.reference, kind, 1)
        text = pdf_text(data)
        assert shipment.reference in text, kind
        assert "non-medical, not for surgical use" in text, kind
        assert "Page 1 of" in text, kind
    invoice = pdf_text(_read(docs[Kind.PROFORMA_INVOICE]))
    assert "6307.90" in invoice
    assert "NO COMMERCIAL VALUE" in invoice and "NOT FOR RESALE" in invoice
    assert "捐赠物资" in invoice
    assert "KN95" in invoice and "CN_GB2626_KN95" in invoice
    assert "2400.00 CNY" in invoice  # 2 × 1,000 units at 1.20: the true declared value
    certificate = pdf_text(_read(docs[Kind.DONATION_CERTIFICATE]))
    assert "捐赠证书" in certificate and "Donation certificate" in certificate
    assert "/trace/" in certificate or "trace" in certificate
    declaration = pdf_text(_read(docs[Kind.DECLARATION_OF_CONFORMITY]))
    assert "Announcement No. 5" in declaration and "Announcement No. 12" in declaration
    assert "GB 2626" in declaration
    receipt = pdf_text(_read(docs[Kind.RECEIPT_FORM]))
    assert "not to sell" in receipt and "不出售" in receipt
    assert "sent by email" in receipt


def test_a_long_packing_list_repeats_its_table_header_on_every_page(catalogue, logistics_officer):
    shipment = shipment_with_lines(logistics_officer, lines=30, quantity=10)

    pdf, count = documents.render_pdf(Kind.PACKING_LIST, documents.pack_inputs(shipment))

    pages = [page for page in pdf_text(pdf).split("\f") if page.strip()]
    assert count == len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "Contents 内容" in page and "Gross 毛重" in page, number
        assert f"Page {number} of {count}" in page


def test_generating_again_with_the_same_inputs_makes_no_new_version(shipment, generate):
    first = generate(shipment)
    again = generate(shipment)

    assert {k: (d.pk, d.version, d.sha256) for k, d in first.items()} == {
        k: (d.pk, d.version, d.sha256) for k, d in again.items()
    }
    assert ShipmentDocument.objects.filter(shipment=shipment).count() == len(first)


def test_changed_inputs_make_a_new_version_and_supersede_the_old_one(
    shipment, generate, logistics_officer
):
    first = generate(shipment)
    lot = received_lot(logistics_officer, category="medical_mask", product="Surgical mask")
    shipment_services.shipment_allocate(
        shipment=shipment, lot=lot, quantity=500, actor=logistics_officer
    )

    second = generate(shipment)

    invoice = second[Kind.PROFORMA_INVOICE]
    assert invoice.version == 2 and invoice.state == State.READY
    old = ShipmentDocument.objects.get(pk=first[Kind.PROFORMA_INVOICE].pk)
    assert old.state == State.SUPERSEDED and old.superseded_at is not None
    assert old.sha256 == first[Kind.PROFORMA_INVOICE].sha256 and default_storage.exists(
        old.file.name
    )
    assert invoice.inputs_fingerprint != old.inputs_fingerprint
    assert "Surgical mask" in pdf_text(_read(invoice))
    assert "medical use by healthcare workers" in pdf_text(_read(invoice))


def test_the_joint_declaration_is_only_made_for_non_medical_masks(
    catalogue, logistics_officer, generate
):
    shipment = shipment_with_lines(
        logistics_officer, lines=1, category="medical_mask", product="Surgical mask, type IIR"
    )

    docs = generate(shipment)

    assert Kind.JOINT_DECLARATION not in docs
    assert docs[Kind.DECLARATION_OF_CONFORMITY].state == State.READY


def test_without_a_cjk_font_every_document_fails_saying_what_to_install(
    shipment, generate, monkeypatch, tmp_path, settings
):
    empty = tmp_path / "fonts.conf"
    empty.write_text('<?xml version="1.0"?><fontconfig></fontconfig>')
    monkeypatch.setenv("FONTCONFIG_FILE", str(empty))

    docs = generate(shipment)

    for doc in docs.values():
        assert doc.state == State.FAILED
        assert "apt-get install fonts-noto-cjk" in doc.error

    monkeypatch.delenv("FONTCONFIG_FILE")
    settings.DOCUMENTS_MAX_ATTEMPTS = 1  # asking again gives a fresh allowance of attempts
    again = generate(shipment)
    assert {k: (d.pk, d.version, d.state) for k, d in again.items()} == {
        k: (d.pk, 1, State.READY) for k, d in docs.items()
    }


def test_a_document_that_keeps_losing_its_worker_is_given_up(shipment, generate, settings):
    settings.DOCUMENTS_MAX_ATTEMPTS = 0

    docs = generate(shipment)

    assert all(d.state == State.FAILED for d in docs.values())
    assert "Gave up after 0 render attempts" in docs[Kind.PACKING_LIST].error


def test_nothing_is_generated_for_a_shipment_without_lines(catalogue, logistics_officer):
    from sfiec.exceptions import DomainError
    from tests import factories

    with pytest.raises(DomainError):
        documents.shipment_documents_generate(
            shipment=factories.ShipmentFactory(), actor=logistics_officer
        )
