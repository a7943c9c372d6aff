"""The staff lists: filters, search, sorting and pages in the URL; CSV and Excel exports of the
filtered rows (every row, not one page), with formula-like cells escaped."""

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from donations.models import MaterialLot

from .builders import populate

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, viewer):
    client.force_login(viewer)
    return client


def _list(client, kind, query=""):
    response = client.get(reverse("dashboard:list", args=[kind]) + query)
    assert response.status_code == 200
    return response


def _references(response):
    return [row[0][1] for row in response.context["table"]]


def test_filters_search_sort_and_page_come_from_the_url(staff):
    populate(120)
    expected = list(
        MaterialLot.objects.filter(category="gloves", is_quarantined=False)
        .order_by("-gross_weight_kg", "reference", "id")
        .values_list("reference", flat=True)
    )
    # 120 lots, a third of them gloves, minus the quarantined ones.
    assert 30 < len(expected) <= 40
    first = _list(staff, "lots", "?category=gloves&is_quarantined=false&sort=reference")
    assert first.context["page"].paginator.count == len(expected)
    assert _references(first) == sorted(expected)[:50]
    descending = _list(staff, "lots", "?category=gloves&is_quarantined=false&sort=-reference")
    assert _references(descending) == sorted(expected, reverse=True)[:50]
    # The filters survive in the pagination and sort links.
    html = first.content.decode()
    assert "category=gloves" in html and "sort=-reference" in html


def test_pages_do_not_repeat_or_skip_rows(staff):
    populate(120)
    seen = []
    for number in (1, 2, 3):
        seen += _references(_list(staff, "offers", f"?sort=status&page={number}"))
    assert len(seen) == len(set(seen)) == 120


def test_search_matches_any_of_the_search_fields(staff):
    populate(10)
    lot = MaterialLot.objects.order_by("id")[3]
    response = _list(staff, "lots", f"?q={lot.product}")
    assert _references(response) == [lot.reference]
    response = _list(staff, "lots", f"?q={lot.offer.reference}")
    assert _references(response) == [lot.reference]


def test_an_invalid_filter_is_shown_and_gives_no_rows(staff):
    populate(10)
    response = _list(staff, "shipments", "?status=lost&city=atlantis")
    assert response.context["page"].paginator.count == 0
    assert "lost" in response.content.decode()
    export = staff.get(reverse("dashboard:list-export", args=["shipments", "csv"]) + "?status=lost")
    assert export.status_code == 400


def _csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _xlsx_rows(response):
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


@pytest.mark.parametrize("kind", ["offers", "lots", "needs", "shipments", "documents", "receipts"])
def test_exports_hold_every_filtered_row_in_list_order(staff, kind):
    populate(130)
    query = {
        "offers": "?status=accepted&sort=-reference",
        "lots": "?is_quarantined=false&category=medical_mask",
        "needs": "?status=open&status=partly_met&city=milan",
        "shipments": "?status=delivered&mode=air&sort=reference",
        "documents": "?state=failed",
        "receipts": "?overdue=true&sort=-due",
    }[kind]
    listed = _list(staff, kind, query)
    total = listed.context["page"].paginator.count
    assert total > 0
    pages = -(-total // 50)
    expected = []
    for number in range(1, pages + 1):
        page = _list(staff, kind, f"{query}&page={number}")
        expected += [
            [str(cell[1]) if cell[1] is not None else "" for cell in row]
            for row in page.context["table"]
        ]
    url = reverse("dashboard:list-export", args=[kind, "csv"]) + query
    rows = _csv_rows(staff.get(url))
    assert rows[0] == [str(header["label"]) for header in listed.context["headers"]]
    assert len(rows) - 1 == total
    assert rows[1:] == expected
    url = reverse("dashboard:list-export", args=[kind, "xlsx"]) + query
    sheet = _xlsx_rows(staff.get(url))
    assert len(sheet) - 1 == total
    assert [row[0] for row in sheet[1:]] == [row[0] for row in expected]


def test_exports_escape_cells_a_spreadsheet_would_run(staff):
    populate(3)
    lot = MaterialLot.objects.order_by("id").first()
    lot.product = "=cmd|' /C calc'!A0"
    lot.manufacturer = "@SUM(1+1)"
    lot.save()
    query = f"?q={lot.reference}"
    rows = _csv_rows(staff.get(reverse("dashboard:list-export", args=["lots", "csv"]) + query))
    assert "'=cmd|' /C calc'!A0" in rows[1]
    assert "'@SUM(1+1)" in rows[1]
    response = staff.get(reverse("dashboard:list-export", args=["lots", "xlsx"]) + query)
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = list(workbook.active.iter_rows(min_row=2, max_row=2))[0]
    product = next(cell for cell in cells if str(cell.value).endswith("calc'!A0"))
    assert product.value == "'=cmd|' /C calc'!A0"
    assert product.data_type == "s"
    assert all(cell.data_type != "f" for cell in cells)


def test_exported_numbers_and_dates_stay_numbers_and_dates(staff):
    populate(3)
    lot = MaterialLot.objects.order_by("id").first()
    response = staff.get(
        reverse("dashboard:list-export", args=["lots", "xlsx"]) + f"?q={lot.reference}"
    )
    header, row = _xlsx_rows(response)
    values = dict(zip(header, row, strict=True))
    assert values["Offered"] == 1000
    assert values["Gross kg"] == 50
    assert values["Reference"] == lot.reference


def test_yes_no_filters_take_either_answer_and_default_to_both(staff):
    populate(20)
    every = _list(staff, "receipts").context["page"].paginator.count
    overdue = _list(staff, "receipts", "?overdue=true").context["page"].paginator.count
    on_time = _list(staff, "receipts", "?overdue=false").context["page"].paginator.count
    assert 0 < overdue < every
    assert overdue + on_time == every
    quarantined = _list(staff, "lots", "?is_quarantined=true").context["page"].paginator.count
    cleared = _list(staff, "lots", "?is_quarantined=false").context["page"].paginator.count
    assert (quarantined, quarantined + cleared) == (
        MaterialLot.objects.filter(is_quarantined=True).count(),
        20,
    )
    # An unfiltered form offers the empty choice first, so submitting it filters nothing.
    form = _list(staff, "lots").context["filter"].form
    assert list(form.fields["is_quarantined"].choices)[0][0] == ""


@pytest.mark.parametrize(("kind", "name"), [("offers", "submitted"), ("shipments", "created")])
def test_date_range_filters_are_two_named_date_pickers(staff, kind, name):
    html = _list(staff, kind, f"?{name}_after=2026-01-05").content.decode()
    for suffix, word in (("after", "from"), ("before", "until")):
        field = re.search(rf'<input[^>]*name="{name}_{suffix}"[^>]*>', html).group(0)
        assert 'type="date"' in field
        assert f'aria-label="{name.capitalize()}: {word}"' in field
    assert 'value="2026-01-05"' in re.search(rf'<input[^>]*name="{name}_after"[^>]*>', html).group(
        0
    )
