"""Spreadsheet imports are bounded by what they unpack to; CSV is read as Excel writes it
(issue 8.5)."""

import csv
import io
import resource
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from donations.imports import HEADERS, template_xlsx
from donations.models import MaterialLot
from sfiec.spreadsheets import cell_safe, csv_bytes, xlsx_bytes

from .test_import import URL, _csv, _form, _row

GIB = 1 << 30
SST = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


SST_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" />'
)
SST_REL = (
    b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9" />'
)
CHUNK = (b"<si><t>" + b"A" * 1000 + b"</t></si>") * 1024


class _RepeatingDeflate:
    """Deflates CHUNK once and repeats the bytes, so a gigabyte part is built in a second.

    Each piece ends with a full flush, after which deflate starts afresh: the same input then
    gives the same output, so the repeated bytes are exactly what zlib would have written.
    """

    def __init__(self):
        self.real = zlib.compressobj(9, zlib.DEFLATED, -15)
        self.block = None

    def compress(self, data):
        if data is CHUNK and self.block is not None:
            return self.block
        out = self.real.compress(data) + self.real.flush(zlib.Z_FULL_FLUSH)
        if data is CHUNK:
            self.block = out
        return out

    def flush(self):
        return self.real.flush()


def _bomb(unpacked: int) -> bytes:
    """A real workbook whose shared-strings part unpacks to ``unpacked`` bytes."""
    source = zipfile.ZipFile(io.BytesIO(template_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            # Declare the shared-strings part, as Excel does, so a reader loads it.
            content = source.read(info)
            if info.filename == "[Content_Types].xml":
                content = content.replace(b"</Types>", SST_TYPE + b"</Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b"</Relationships>", SST_REL + b"</Relationships>")
            bomb.writestr(info.filename, content)
        with bomb.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part._compressor = _RepeatingDeflate()  # zipfile still counts sizes and the CRC
            part.write(SST)
            written = 0
            while written < unpacked:
                part.write(CHUNK)
                written += len(CHUNK)
            part.write(b"</sst>")
    data = out.getvalue()
    check = zipfile.ZipFile(io.BytesIO(data)).open("xl/sharedStrings.xml")
    assert check.read(len(SST) + 20) == SST + CHUNK[:20]  # a real, readable part
    return data


@pytest.fixture(scope="module")
def gigabyte_bomb():
    return _bomb(GIB)


def _max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


@pytest.mark.django_db
def test_an_xlsx_that_unpacks_to_a_gigabyte_is_refused_with_memory_bounded(
    client, standard, gigabyte_bomb
):
    assert len(gigabyte_bomb) < 10 * 1024 * 1024  # small enough to pass the upload cap
    before = _max_rss_bytes()
    response = client.post(URL, _form(SimpleUploadedFile("bomb.xlsx", gigabyte_bomb)))
    grown = _max_rss_bytes() - before
    assert response.status_code == 200
    assert "unpacks to more than" in response.content.decode()
    assert grown < 150 * 1024 * 1024, f"the server process grew by {grown / 2**20:.0f} MB"


@pytest.mark.django_db
@override_settings(OFFER_IMPORT_MAX_UNPACKED_BYTES=5 * 1024 * 1024)
def test_the_unpacked_cap_is_a_setting(client, standard):
    response = client.post(URL, _form(SimpleUploadedFile("b.xlsx", _bomb(6 * 1024 * 1024))))
    assert "unpacks to more than 5.0" in response.content.decode()


@pytest.mark.django_db
def test_a_zip_whose_headers_lie_about_sizes_is_refused(client, standard):
    real = _bomb(2 * 1024 * 1024)
    # Shrink the declared size of the big part in its central-directory entry.
    archive = zipfile.ZipFile(io.BytesIO(real))
    info = archive.getinfo("xl/sharedStrings.xml")
    data = bytearray(real)
    directory = data.rindex(b"PK\x01\x02", 0, data.rindex(b"xl/sharedStrings.xml") + 1)
    assert directory >= 0 and info.file_size > 1000
    data[directory + 24 : directory + 28] = (100).to_bytes(4, "little")
    response = client.post(URL, _form(SimpleUploadedFile("liar.xlsx", bytes(data))))
    assert response.status_code == 200
    assert not MaterialLot.objects.exists()
    assert "not a readable .xlsx" in response.content.decode() or "unpacks" in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_a_csv_field_over_the_csv_limit_is_a_row_error_not_a_500(client, standard):
    upload = _csv([_row(1), _row(2, product="x" * 200_000)])
    response = client.post(URL, _form(upload))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Row 3" in html and "too long" in html


@pytest.mark.django_db
def test_a_quote_inside_a_csv_cell_survives(client, standard):
    product = 'Face shield 12" visor'
    response = client.post(URL, _form(_csv([_row(1, product=product)])))
    assert response.status_code == 200
    confirm = client.post(reverse("donations:offer-import-confirm"), {"token": "b" * 32})
    assert confirm.status_code == 302
    assert MaterialLot.objects.get().product == product


@pytest.mark.django_db
def test_formula_like_cells_are_stored_as_text(client, standard):
    out = io.BytesIO()
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Lots"
    sheet.append(HEADERS)
    row = _row(1, product='=HYPERLINK("http://evil.example","x")', batch_number="@SUM(1)")
    sheet.append([row[name] for name in HEADERS])
    workbook.save(out)
    client.post(URL, _form(SimpleUploadedFile("f.xlsx", out.getvalue())))
    client.post(reverse("donations:offer-import-confirm"), {"token": "b" * 32})
    lot = MaterialLot.objects.get()
    assert lot.product == '=HYPERLINK("http://evil.example","x")'
    assert lot.batch_number == "@SUM(1)"


@pytest.mark.parametrize(
    ("value", "exported"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Face shield", "Face shield"),
        (-5, -5),
        (None, None),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_escaped(value, exported):
    assert cell_safe(value) == exported


def test_every_export_escapes_its_cells():
    text = csv_bytes(["product"], [["=cmd|' /C calc'!A0"]]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1] == ["'=cmd|' /C calc'!A0"]
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(xlsx_bytes({"Lots": [["product"], ["=1+2"]]})))
    cell = workbook["Lots"]["A2"]
    assert cell.data_type == "s" and cell.value == "'=1+2"
