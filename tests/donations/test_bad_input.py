"""Bad input gets a clear 400, never a 500 or silent nonsense (issue 8.8, the intake parts)."""

import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from donations import services
from donations.forms import MAX_LOTS
from donations.models import Attachment, DonationOffer
from sfiec.uploads import upload_check
from tests import factories

from .conftest import PDF_BYTES, offer_data
from .test_api import _lot_json


@pytest.fixture
def partner_client(api_client, partner):
    factories.ContactFactory(organisation=partner.partner_membership.organisation)
    api_client.force_authenticate(partner)
    return api_client


def _assert_json_error(response, status=400):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == status and error["message"]
    return error


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
@pytest.mark.parametrize("depth", [200, 100_000])
def test_deeply_nested_json_is_a_json_400(partner_client, debug, depth):
    body = '{"lots": ' + "[" * depth + "]" * depth + "}"
    with override_settings(DEBUG=debug):
        response = partner_client.post(
            reverse("api:offer-list"), body, content_type="application/json"
        )
    error = _assert_json_error(response)
    assert "nested" in error["message"]
    assert not DonationOffer.objects.exists()


@pytest.mark.django_db
def test_json_nested_within_the_limit_still_works(partner_client, standard):
    body = {"submission_key": "n" * 20, "lots": [_lot_json()]}
    assert partner_client.post(reverse("api:offer-list"), body, format="json").status_code == 201


@pytest.mark.django_db
def test_more_lots_over_the_api_than_the_form_allows_is_a_400(partner_client, standard):
    body = {"lots": [_lot_json(product=f"P{i}") for i in range(MAX_LOTS + 1)]}
    error = _assert_json_error(partner_client.post(reverse("api:offer-list"), body, format="json"))
    assert "lots" in error["fields"]
    assert not DonationOffer.objects.exists()


@pytest.mark.django_db
def test_quarantine_without_a_reason_over_the_api_is_a_400(staff_client, coordinator):
    lot = factories.LotFactory()
    services.offer_decide(offer=lot.offer, actor=coordinator, accept=True)
    response = staff_client.post(
        reverse("api:lot-receive", args=[lot.reference]),
        {"result": "quarantined", "quantity_received": 10},
        format="json",
    )
    error = _assert_json_error(response)
    assert "note" in error["fields"]
    lot.refresh_from_db()
    assert lot.status == "pledged"


@pytest.mark.django_db
def test_more_files_than_django_parses_get_our_message_on_the_form(client, standard):
    files = [SimpleUploadedFile(f"c{i}.pdf", PDF_BYTES, "application/pdf") for i in range(31)]
    data = offer_data()
    data["lots-0-certificates"] = files
    response = client.post(reverse("donations:offer-new"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "at most 20 can be sent at once" in html
    assert "<html" in html and not DonationOffer.objects.exists()


@pytest.mark.django_db
def test_more_files_than_django_parses_is_a_json_400_on_the_api(partner_client, partner):
    lot = factories.LotFactory(offer__donor=partner.partner_membership.organisation)
    files = [SimpleUploadedFile(f"c{i}.pdf", PDF_BYTES, "application/pdf") for i in range(31)]
    response = partner_client.post(
        reverse("api:attachment-list"),
        {"lot": lot.reference, "kind": "test_report", "file": files},
        format="multipart",
    )
    error = _assert_json_error(response)
    assert "at most 20" in error["message"]
    assert not Attachment.objects.exists()


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` × ``height`` pixels (the pixels are never there)."""

    def chunk(kind, data):
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [8_000, 20_000], ids=["over-our-cap", "over-pillows-cap"])
def test_an_image_over_the_pixel_cap_says_so(side):
    with pytest.raises(ValidationError) as caught:
        upload_check(SimpleUploadedFile("huge.png", _png_claiming(side, side), "image/png"))
    assert caught.value.code == "image_pixels"
    assert "pixels" in caught.value.messages[0]
    assert "not a valid image" not in caught.value.messages[0]


@pytest.mark.parametrize("debug", [True, False])
def test_an_unexpected_api_error_keeps_the_json_shape_with_debug_off(debug):
    from sfiec.api.errors import exception_handler

    with override_settings(DEBUG=debug):
        response = exception_handler(RuntimeError("boom"), {})
    if debug:
        assert response is None  # the traceback page
    else:
        assert response.status_code == 500
        assert response.data["error"]["code"] == "server_error"
        assert "boom" not in str(response.data)
