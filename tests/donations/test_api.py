import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from donations import services
from donations.models import DonationOffer
from tests import factories

from .conftest import PDF_BYTES, lot_data

PNG_HEADER_HTML = b"\x89PNG\r\n\x1a\n<html><script>x</script></html>"


def _lot_json(**overrides):
    raw = lot_data(0, **overrides)
    values = {key.removeprefix("lots-0-"): value for key, value in raw.items()}
    values.pop("certificate_kind")
    return values


@pytest.fixture
def partner_client(api_client, partner):
    factories.ContactFactory(organisation=partner.partner_membership.organisation)
    api_client.force_authenticate(partner)
    return api_client


@pytest.mark.django_db
def test_partner_token_creates_an_offer_idempotently(partner_client, partner, standard):
    url = reverse("api:offer-list")
    body = {"submission_key": "k" * 20, "lots": [_lot_json(), _lot_json(product="Gloves")]}
    first = partner_client.post(url, body, format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["status"] == "submitted"
    assert len(first.json()["lots"]) == 2
    again = partner_client.post(url, body, format="json")
    assert again.status_code == 200
    assert again.json()["reference"] == first.json()["reference"]
    offer = DonationOffer.objects.get()
    assert offer.donor == partner.partner_membership.organisation


@pytest.mark.django_db
def test_api_applies_the_form_rules(partner_client, standard):
    body = {"lots": [_lot_json(category="gloves", units_per_carton="3")]}
    response = partner_client.post(reverse("api:offer-list"), body, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]["lots"]["0"]
    assert "standard" in fields and "units_per_carton" in fields
    assert not DonationOffer.objects.exists()


@pytest.mark.django_db
def test_partner_sees_only_its_offers_and_gets_404_on_others(partner_client, partner):
    own = factories.LotFactory(offer__donor=partner.partner_membership.organisation).offer
    other = factories.LotFactory().offer
    listing = partner_client.get(reverse("api:offer-list")).json()
    assert [row["reference"] for row in listing["results"]] == [own.reference]
    assert (
        partner_client.get(reverse("api:offer-detail", args=[other.reference])).status_code == 404
    )
    lots = partner_client.get(reverse("api:lot-list")).json()["results"]
    assert {row["offer"] for row in lots} == {own.reference}
    withdraw = reverse("api:offer-withdraw", args=[other.reference])
    assert partner_client.post(withdraw).status_code == 404


@pytest.mark.django_db
def test_partner_cannot_accept(partner_client, partner):
    own = factories.LotFactory(offer__donor=partner.partner_membership.organisation).offer
    response = partner_client.post(reverse("api:offer-accept", args=[own.reference]))
    assert response.status_code == 403


@pytest.mark.django_db
def test_staff_review_flow_and_intake(staff_client):
    lot = factories.LotFactory()
    offer = lot.offer
    decline = staff_client.post(reverse("api:offer-decline", args=[offer.reference]), {})
    assert decline.status_code == 409
    assert "reason" in decline.json()["error"]["message"]
    accept = staff_client.post(
        reverse("api:offer-accept", args=[offer.reference]), {"reason": "ok"}
    )
    assert accept.status_code == 200 and accept.json()["status"] == "accepted"
    again = staff_client.post(reverse("api:offer-withdraw", args=[offer.reference]))
    assert again.status_code == 409
    receive = staff_client.post(
        reverse("api:lot-receive", args=[lot.reference]),
        {"result": "quarantined", "quantity_received": 100, "note": "wet"},
    )
    assert receive.status_code == 200, receive.json()
    assert receive.json()["inspection_result"] == "quarantined"
    assert receive.json()["quantity_received"] == 100


@pytest.mark.django_db
def test_attachment_upload_and_download(partner_client, partner, api_client):
    lot = factories.LotFactory(offer__donor=partner.partner_membership.organisation)
    url = reverse("api:attachment-list")
    bad = partner_client.post(
        url,
        {
            "lot": lot.reference,
            "kind": "photo",
            "file": SimpleUploadedFile("a.png", PNG_HEADER_HTML),
        },
        format="multipart",
    )
    assert bad.status_code == 400
    good = partner_client.post(
        url,
        {
            "lot": lot.reference,
            "kind": "test_report",
            "file": SimpleUploadedFile("r.pdf", PDF_BYTES),
        },
        format="multipart",
    )
    assert good.status_code == 201, good.json()
    download = partner_client.get(good.json()["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"

    stranger = factories.PartnerUserFactory(username="stranger")
    api_client.force_authenticate(stranger)
    assert api_client.get(good.json()["download_url"]).status_code == 404
    other = api_client.post(
        url,
        {
            "lot": lot.reference,
            "kind": "test_report",
            "file": SimpleUploadedFile("r.pdf", PDF_BYTES),
        },
        format="multipart",
    )
    assert other.status_code == 404


@pytest.mark.django_db
def test_partner_cannot_add_files_to_a_decided_offer(partner_client, partner, coordinator):
    lot = factories.LotFactory(offer__donor=partner.partner_membership.organisation)
    services.offer_decide(offer=lot.offer, actor=coordinator, accept=True)
    response = partner_client.post(
        reverse("api:attachment-list"),
        {
            "lot": lot.reference,
            "kind": "test_report",
            "file": SimpleUploadedFile("r.pdf", PDF_BYTES),
        },
        format="multipart",
    )
    assert response.status_code == 409


@pytest.mark.django_db
@override_settings(
    REST_FRAMEWORK={
        **__import__("django.conf").conf.settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"offer_submit": "2/hour"},
    }
)
def test_api_offer_creation_is_rate_limited_per_address(partner_client, standard):
    url = reverse("api:offer-list")
    for _ in range(2):
        partner_client.post(url, {"lots": []}, format="json")
    response = partner_client.post(url, {"lots": [_lot_json()]}, format="json")
    assert response.status_code == 429
    assert partner_client.get(url).status_code == 200  # reading is not limited
