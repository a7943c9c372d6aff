"""The import reads yes/no cells strictly and shows people labels, not codes."""

import pytest
from django.conf import settings

from donations.models import MaterialLot

from .test_import import URL, _csv, _form, _row, _xlsx


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("yes", True),
        ("Y", True),
        (" TRUE ", True),
        ("是", True),
        ("no", False),
        ("n", False),
        ("False", False),
        ("否", False),
        ("", False),
    ],
)
def test_the_usual_spellings_of_yes_and_no_are_read(client, standard, cell, expected):
    response = client.post(URL, _form(_csv([_row(0, is_manufacturer_whitelisted=cell)])))
    assert response.context["errors"] == []
    assert response.context["rows"][0]["is_manufacturer_whitelisted"] is expected


@pytest.mark.django_db
@pytest.mark.parametrize("cell", ["maybe", "1", "x", "yes please"])
def test_anything_else_in_a_yes_no_column_is_a_row_error(client, standard, cell):
    rows = [_row(0), _row(1, is_manufacturer_whitelisted=cell)]
    response = client.post(URL, _form(_xlsx(rows)))
    errors = response.context["errors"]
    assert [(e.row, e.field) for e in errors] == [(3, "is_manufacturer_whitelisted")]
    html = response.content.decode()
    assert f"“{cell}” is not yes or no" in html
    assert "The manufacturer is on the export whitelist" in html  # the field's label
    assert not MaterialLot.objects.exists()


@pytest.mark.django_db
def test_the_preview_shows_labels_not_codes(client, standard, city):
    data = _form(_csv([_row(0)]))
    data["preferred_city"] = str(city.pk)
    response = client.post(URL, data)
    html = response.content.decode()
    lots = html[html.index('id="import-lots"') :]
    assert "Respirator (non-medical, e.g. KN95)" in lots
    assert "respirator_nonmedical" not in lots
    assert "CN_GB2626_KN95" not in lots
    assert "Milan" in html[html.index('id="import-city"') :]

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    data = _form(_csv([_row(0)]), key="c" * 32)
    data["preferred_city"] = str(city.pk)
    response = client.post(URL, data)
    html = response.content.decode()
    assert "米兰" in html[html.index('id="import-city"') :]
