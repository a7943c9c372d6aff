import csv
import datetime as dt
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from donations.imports import EXAMPLE, HEADERS
from donations.models import DonationOffer, MaterialLot

from .conftest import offer_data

URL = reverse("donations:offer-import")


def _row(index, **overrides):
    today = dt.date.today()
    row = {
        **EXAMPLE,
        "product": f"KN95 batch {index}",
        "manufactured_on": today - dt.timedelta(days=10),  # a real date cell
        "expires_on": (today + dt.timedelta(days=800)).isoformat(),
    }
    row.update(overrides)
    return row


def _xlsx(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Lots"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row[name] for name in HEADERS])
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("lots.xlsx", out.getvalue())


def _csv(rows) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([row[name] for name in HEADERS])
    return SimpleUploadedFile("lots.csv", ("\ufeff" + out.getvalue()).encode())


def _form(spreadsheet, key="b" * 32):
    data = {k: v for k, v in offer_data(key=key).items() if not k.startswith("lots-")}
    data["spreadsheet"] = spreadsheet
    return data


def test_templates_download_as_attachments(client):
    xlsx = client.get(reverse("donations:offer-import-template", args=["xlsx"]))
    assert xlsx["Content-Disposition"] == 'attachment; filename="sfiec-offer-template.xlsx"'
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert [cell.value for cell in workbook["Lots"][1]] == HEADERS
    assert "Help" in workbook.sheetnames
    text = client.get(reverse("donations:offer-import-template", args=["csv"])).content
    assert text.decode("utf-8-sig").strip() == ",".join(HEADERS)


@pytest.mark.django_db
def test_500_rows_with_one_bad_row_save_nothing_and_name_that_row(client, standard):
    rows = [_row(i) for i in range(500)]
    rows[341] = _row(341, quantity_offered=-3)  # spreadsheet row 343 (header is row 1)
    started = time.monotonic()
    response = client.post(URL, _form(_xlsx(rows)))
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["row_count"] == 500
    assert [(e.row, e.field) for e in response.context["errors"]] == [(343, "quantity_offered")]
    assert '<td data-label="Row">343</td>' in html
    assert "Nothing was saved: 1 row has errors." in html
    assert not DonationOffer.objects.exists() and not MaterialLot.objects.exists()
    assert "Confirm and submit" not in html
    print(f"500-row check: {elapsed:.2f}s")


@pytest.mark.django_db
def test_500_valid_rows_preview_then_confirm_saves_one_offer(client, standard):
    rows = [_row(i) for i in range(500)]
    preview = client.post(URL, _form(_xlsx(rows)))
    assert preview.context["errors"] == []
    assert "Confirm and submit 500 lots" in preview.content.decode()
    assert not DonationOffer.objects.exists()  # nothing before confirmation
    started = time.monotonic()
    confirm_url = reverse("donations:offer-import-confirm")
    response = client.post(confirm_url, {"token": "b" * 32})
    elapsed = time.monotonic() - started
    offer = DonationOffer.objects.get()
    assert response["Location"] == reverse("donations:offer-thanks", args=[offer.reference])
    assert offer.lots.count() == 500
    # A second click on "confirm" makes no second offer.
    again = client.post(confirm_url, {"token": "b" * 32})
    assert again["Location"] == response["Location"]
    assert DonationOffer.objects.count() == 1
    print(f"500-row save: {elapsed:.2f}s")


@pytest.mark.django_db
def test_csv_import_reports_every_error_by_row_and_field(client, standard):
    rows = [
        _row(0),
        _row(1, category="gloves"),
        _row(2, cartons=0, expires_on="2001-01-01"),
        _row(3, product=""),
    ]
    response = client.post(URL, _form(_csv(rows)))
    errors = {(e.row, e.field) for e in response.context["errors"]}
    assert errors == {(3, "standard"), (4, "cartons"), (4, "expires_on"), (5, "product")}
    assert not MaterialLot.objects.exists()


@pytest.mark.django_db
def test_a_file_that_is_not_a_spreadsheet_is_refused(client, standard):
    bad = SimpleUploadedFile("lots.xlsx", b"PK\x03\x04garbage")
    response = client.post(URL, _form(bad))
    assert "not a readable .xlsx" in response.content.decode()
    wrong_header = SimpleUploadedFile("lots.csv", b"name,qty\nx,1\n")
    response = client.post(URL, _form(wrong_header))
    assert "missing columns" in response.content.decode()


@pytest.mark.django_db
def test_a_preview_cannot_be_confirmed_by_another_browser(client, standard):
    client.post(URL, _form(_csv([_row(0)])))
    other = client.__class__()
    response = other.post(reverse("donations:offer-import-confirm"), {"token": "b" * 32})
    assert response.status_code == 302
    assert not DonationOffer.objects.exists()
