"""The donation certificate names a donor only with its consent, by the trace page's rule."""

import pytest
from django.urls import reverse

from shipments import services as shipment_services
from tests import factories

from .documents_helpers import pdf_text, received_lot

ANONYMOUS_ONE = "1 donor who prefers not to be named 1 位不愿具名的捐赠方"
ANONYMOUS_TWO = "2 donors who prefer not to be named 2 位不愿具名的捐赠方"


@pytest.fixture
def shipment(catalogue, logistics_officer):
    """A Milan shipment of 1,000 units from each of three donors, none named yet."""
    shipment = factories.ShipmentFactory()
    for name in ("Lotus Trading", "Pearl River Care", "Harbour Textiles"):
        lot = received_lot(logistics_officer, offer__donor__name=name, offer__donor__name_zh="")
        shipment_services.shipment_allocate(
            shipment=shipment, lot=lot, quantity=1000, actor=logistics_officer
        )
    return shipment


def _consent(client, login, shipment, name):
    """The donor's own partner user says, on its proof page, that it may be named."""
    offer = shipment.lines.get(lot__offer__donor__name=name).lot.offer
    user = factories.PartnerUserFactory(organisation=offer.donor)
    login(user)
    response = client.post(
        reverse("shipments:offer-naming", args=[offer.reference]), {"is_named": "1"}
    )
    assert response.status_code == 302
    client.logout()


def _certificate(api_client, login, shipment, officer, capture):
    """Generate the pack as the logistics officer does and download the certificate's text."""
    api_client.force_authenticate(officer)
    url = reverse("api:shipment-documents", args=[shipment.pk])
    with capture(execute=True):
        assert api_client.post(url).status_code == 202
    listed = api_client.get(url).json()["results"]
    certificate = next(d for d in listed if d["kind"] == "donation_certificate")
    assert certificate["state"] == "ready"
    download = login(officer).get(certificate["download_url"])
    assert download.status_code == 200
    return pdf_text(b"".join(download.streaming_content)), certificate["version"]


def test_the_certificate_names_only_donors_who_agreed(
    client,
    api_client,
    login,
    shipment,
    logistics_officer,
    django_capture_on_commit_callbacks,
):
    _consent(client, login, shipment, "Lotus Trading")

    text, version = _certificate(
        api_client, login, shipment, logistics_officer, django_capture_on_commit_callbacks
    )

    assert version == 1
    assert "Lotus Trading" in text
    assert "Pearl River Care" not in text and "Harbour Textiles" not in text
    assert ANONYMOUS_TWO in text
    # The public trace page of the same shipment says the same.
    trace = client.get(reverse("shipments:trace", args=[shipment.public_token])).content.decode()
    assert "Lotus Trading" in trace and "Pearl River Care" not in trace
    assert "2 donors who prefer not to be named" in trace

    # A second donor agrees: the next generation is a new version that names it too.
    _consent(client, login, shipment, "Pearl River Care")
    text, version = _certificate(
        api_client, login, shipment, logistics_officer, django_capture_on_commit_callbacks
    )

    assert version == 2
    assert "Lotus Trading" in text and "Pearl River Care" in text
    assert "Harbour Textiles" not in text
    assert ANONYMOUS_ONE in text


def test_a_certificate_whose_donors_all_agreed_has_no_anonymous_row(
    client,
    api_client,
    login,
    shipment,
    logistics_officer,
    django_capture_on_commit_callbacks,
):
    for name in ("Lotus Trading", "Pearl River Care", "Harbour Textiles"):
        _consent(client, login, shipment, name)

    text, _version = _certificate(
        api_client, login, shipment, logistics_officer, django_capture_on_commit_callbacks
    )

    assert all(name in text for name in ("Lotus Trading", "Pearl River Care", "Harbour Textiles"))
    assert "prefer" not in text and "不愿具名" not in text
