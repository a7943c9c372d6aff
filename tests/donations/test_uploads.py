import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from donations.models import Attachment, DonationOffer
from sfiec.uploads import upload_batch_check, upload_check

from .conftest import PDF_BYTES, jpeg_bytes, offer_data, pdf_file, png_bytes

URL = reverse("donations:offer-new")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"This program"
PNG_HEADER_HTML = b"\x89PNG\r\n\x1a\n" + b"<html><script>alert(document.cookie)</script></html>"


def test_a_pdf_passes_unchanged():
    checked = upload_check(pdf_file())
    assert checked.content_type == "application/pdf"
    assert checked.data == PDF_BYTES
    assert checked.as_content_file().name.endswith(".pdf")
    assert "certificate" not in checked.as_content_file().name


def test_images_are_re_encoded_without_metadata():
    out = io.BytesIO()
    image = Image.new("RGB", (10, 10), (1, 2, 3))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # camera make
    image.save(out, format="JPEG", exif=exif)
    original = out.getvalue() + b"<html>trailing payload</html>"
    checked = upload_check(SimpleUploadedFile("photo.jpg", original, "image/jpeg"))
    assert checked.content_type == "image/jpeg"
    assert b"SecretCam" not in checked.data
    assert b"trailing payload" not in checked.data
    assert upload_check(SimpleUploadedFile("a.png", png_bytes(), "")).content_type == "image/png"


@pytest.mark.parametrize(
    "name,content",
    [
        ("certificate.pdf", EXE),  # a renamed executable
        ("photo.png", PNG_HEADER_HTML),  # an HTML page with a PNG header
        ("report.pdf", b"<html><body>not a pdf</body></html>"),
        ("archive.pdf", b"PK\x03\x04" + b"\x00" * 100),
        ("clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100),  # not for offers
    ],
    ids=["renamed-exe", "html-with-png-header", "html-as-pdf", "zip-as-pdf", "mp4-on-offer"],
)
def test_files_are_judged_by_content_not_name(name, content):
    with pytest.raises(ValidationError):
        upload_check(SimpleUploadedFile(name, content, "application/pdf"))


def test_mp4_is_accepted_where_evidence_is_allowed():
    from sfiec.uploads import EVIDENCE_TYPES

    content = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 100
    checked = upload_check(SimpleUploadedFile("clip.mp4", content), allowed=EVIDENCE_TYPES)
    assert checked.content_type == "video/mp4"


@override_settings(UPLOAD_MAX_FILE_BYTES=1024)
def test_an_oversized_file_is_refused():
    with pytest.raises(ValidationError, match="at most"):
        upload_check(SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 2000))


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError):
        upload_check(SimpleUploadedFile("empty.pdf", b""))


@override_settings(UPLOAD_MAX_FILES=2)
def test_too_many_files_are_refused():
    with pytest.raises(ValidationError, match="at most 2"):
        upload_batch_check([pdf_file(), pdf_file(), pdf_file()])


@override_settings(UPLOAD_MAX_REQUEST_BYTES=50)
def test_too_many_bytes_together_are_refused():
    with pytest.raises(ValidationError):
        upload_batch_check([pdf_file(), pdf_file()])


def _post_with(client, **files):
    data = offer_data()
    data.update(files)
    return client.post(URL, data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field,upload",
    [
        ("certificates", lambda: SimpleUploadedFile("cert.pdf", EXE, "application/pdf")),
        ("photos", lambda: SimpleUploadedFile("x.png", PNG_HEADER_HTML, "image/png")),
        ("photos", lambda: pdf_file("scan.pdf")),  # photos must be images
        ("test_reports", lambda: SimpleUploadedFile("r.pdf", b"%PDX", "application/pdf")),
    ],
    ids=["renamed-exe", "html-png", "pdf-as-photo", "broken-pdf"],
)
def test_the_form_refuses_bad_files_and_saves_nothing(client, standard, field, upload):
    response = _post_with(client, **{f"lots-0-{field}": upload()})
    assert response.status_code == 200
    assert f'id="id_lots-0-{field}_error"' in response.content.decode()
    assert not DonationOffer.objects.exists() and not Attachment.objects.exists()


@pytest.mark.django_db
@override_settings(UPLOAD_MAX_FILE_BYTES=1024)
def test_the_form_refuses_an_oversized_file(client, standard):
    big = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 4096, "application/pdf")
    response = _post_with(client, **{"lots-0-certificates": big})
    assert "files may be at most" in response.content.decode()
    assert not DonationOffer.objects.exists()


@pytest.mark.django_db
@override_settings(UPLOAD_MAX_FILES=3)
def test_the_form_refuses_too_many_files(client, standard):
    files = [pdf_file(f"c{i}.pdf") for i in range(4)]
    response = _post_with(client, **{"lots-0-certificates": files})
    assert response.status_code == 200
    assert "at most 3 can be sent at once" in response.content.decode()
    assert not DonationOffer.objects.exists()


@pytest.mark.django_db
@override_settings(UPLOAD_MAX_REQUEST_BYTES=10)
def test_a_request_body_over_the_cap_is_refused_before_reading(client, standard):
    response = client.post(URL, offer_data(), CONTENT_LENGTH=str(5 * 1024 * 1024))
    assert response.status_code == 413
    assert not DonationOffer.objects.exists()


@pytest.mark.django_db
def test_a_jpeg_photo_is_stored_re_encoded(client, standard):
    photo = SimpleUploadedFile("goods.jpg", jpeg_bytes(), "image/jpeg")
    response = _post_with(client, **{"lots-0-photos": photo})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/jpeg"
    assert attachment.file.name.endswith(".jpg")
