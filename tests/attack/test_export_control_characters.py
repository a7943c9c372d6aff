"""Text a donor typed with a control character in it (a vertical tab pasted from a word
processor, an escape) is exported, not a 500: Excel's format cannot hold such characters, and
openpyxl refused the whole workbook, so one offer broke the Excel export of the list for
everyone. They become U+FFFD; CSV gets the same text."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from donations.models import DonationOffer
from tests.donations.conftest import offer_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer_with_control_characters(client, catalogue):
    data = offer_data(organisation_name="Evil\x1bCorp", submit="1")
    data["lots-0-product"] = "Mask\x0bKN95"
    response = client.post(reverse("donations:offer-new"), data)
    assert response.status_code in (200, 302)
    return DonationOffer.objects.get()


@pytest.mark.parametrize("kind", ["offers", "lots"])
def test_the_excel_export_carries_text_with_control_characters(
    client, coordinator, offer_with_control_characters, kind
):
    client.force_login(coordinator)

    response = client.get(reverse("dashboard:list-export", args=[kind, "xlsx"]))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = {cell for row in sheet.iter_rows(values_only=True) for cell in row}
    assert "Evil\ufffdCorp" in cells


def test_the_csv_export_writes_the_same_text(client, coordinator, offer_with_control_characters):
    client.force_login(coordinator)

    response = client.get(reverse("dashboard:list-export", args=["lots", "csv"]))

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Mask\ufffdKN95" in text and "Evil\ufffdCorp" in text
