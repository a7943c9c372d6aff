"""One table of bad lots, run through every door that takes a lot: each refuses it the same way.

The doors: the offer page, the spreadsheet import, the offers API, the admin's change form, the
correction service the admin saves through, and the compliance what-if endpoint. Each must
refuse the lot, name the same field (in the what-if endpoint's own spelling of it) and give the
same message, and save nothing.
"""

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from compliance.api.serializers import LOT_FIELD_NAMES
from donations import services
from donations.imports import EXAMPLE, HEADERS
from donations.models import DonationOffer, MaterialLot
from tests import factories

from .conftest import lot_data, offer_data

TODAY = dt.date.today()
WHAT_IF = "/api/v1/compliance/evaluate/"


def _days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


# (id, changed lot fields, the field named, a piece of the message, the doors it applies to)
LOT_DOORS = ("form", "import", "api", "admin", "service")
ALL_DOORS = (*LOT_DOORS, "what_if")
BAD_LOTS = [
    (
        "made_after_expiry",
        {"manufactured_on": _days(-10), "expires_on": _days(-20)},
        "expires_on",
        "The expiry date must be after the manufacture date.",
        ALL_DOORS,
    ),
    (
        "expiry_on_the_day_of_manufacture",
        {"manufactured_on": _days(-10), "expires_on": _days(-10)},
        "expires_on",
        "The expiry date must be after the manufacture date.",
        ALL_DOORS,
    ),
    (
        "made_in_year_0001",
        {"manufactured_on": "0001-01-01"},
        "manufactured_on",
        "Enter a date between 2000-01-01 and",
        ALL_DOORS,
    ),
    (
        "expiring_in_year_9999",
        {"expires_on": "9999-12-31"},
        "expires_on",
        "Enter a date between 2000-01-01 and",
        ALL_DOORS,
    ),
    (
        "expiring_eleven_years_ahead",
        {"expires_on": _days(11 * 366)},
        "expires_on",
        "Enter a date between 2000-01-01 and",
        ALL_DOORS,
    ),
    (
        "standard_of_another_category",
        {"category": "gloves"},
        "standard",
        "CN_GB2626_KN95 does not cover the category",
        ALL_DOORS,
    ),
    (
        "cartons_do_not_hold_the_quantity",
        {"units_per_carton": "100"},
        "units_per_carton",
        "20 cartons of 100 hold up to 2000 units, but the quantity is 10000",
        LOT_DOORS,
    ),
    (
        "cartons_far_too_big",
        {"units_per_carton": "5000"},
        "units_per_carton",
        "20 cartons of 5000 hold up to 100000 units, but the quantity is 10000",
        LOT_DOORS,
    ),
    (
        "net_above_gross",
        {"net_weight_kg": "200"},
        "net_weight_kg",
        "The net weight is more than the gross weight.",
        LOT_DOORS,
    ),
    # A lot alone has no export date; the what-if endpoint is given one.
    (
        "made_after_the_export_date",
        {"manufactured_on": _days(20)},
        "manufactured_on",
        "The manufacture date is after the export date.",
        ("what_if",),
    ),
]
CASES = [
    pytest.param(door, changes, field, message, id=f"{name}-{door}")
    for name, changes, field, message, doors in BAD_LOTS
    for door in doors
]


@pytest.fixture
def partner_client(api_client, partner):
    factories.ContactFactory(organisation=partner.partner_membership.organisation)
    api_client.force_authenticate(partner)
    return api_client


def _lot(**changes) -> dict:
    raw = lot_data(0, **changes)
    values = {key.removeprefix("lots-0-"): value for key, value in raw.items()}
    values.pop("certificate_kind")
    return values


def _through_form(client, changes) -> dict[str, str]:
    response = client.post(reverse("donations:offer-new"), offer_data(lot_overrides={0: changes}))
    assert response.status_code == 200
    form = response.context["formset"].forms[0]
    return {name: " ".join(messages) for name, messages in form.errors.items()}


def _through_import(client, changes) -> dict[str, str]:
    row = {**EXAMPLE, **_lot(**changes)}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerow([row[name] for name in HEADERS])
    data = {k: v for k, v in offer_data(key="b" * 32).items() if not k.startswith("lots-")}
    data["spreadsheet"] = SimpleUploadedFile("lots.csv", out.getvalue().encode())
    response = client.post(reverse("donations:offer-import"), data)
    assert response.status_code == 200
    errors = response.context["errors"]
    assert {error.row for error in errors} == {2}
    return {error.field: error.message for error in errors}


def _through_api(partner_client, changes) -> dict[str, str]:
    response = partner_client.post(
        reverse("api:offer-list"), {"lots": [_lot(**changes)]}, format="json"
    )
    assert response.status_code == 400, response.json()
    fields = response.json()["error"]["fields"]["lots"]["0"]
    return {name: " ".join(messages) for name, messages in fields.items()}


def _admin_form_data(page) -> dict:
    """What the admin's change form would post unchanged, inlines included."""
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or value is False:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management.initial.get(name, 0)
    return data


def _through_admin(client, manager, lot, changes) -> dict[str, str]:
    client.force_login(manager)
    url = reverse("admin:donations_materiallot_change", args=[lot.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {**_admin_form_data(page), **changes}
    response = client.post(url, data)
    assert response.status_code == 200, "the admin saved a bad lot"
    form = response.context["adminform"].form
    return {name: " ".join(messages) for name, messages in form.errors.items()}


def _through_service(coordinator, lot, changes) -> dict[str, str]:
    values = {}
    for name, value in changes.items():
        field = MaterialLot._meta.get_field(name)
        values[name] = field.to_python(value)
    with pytest.raises(ValidationError) as refused:
        services.lot_update(lot=lot, actor=coordinator, **values)
    return {name: " ".join(messages) for name, messages in refused.value.message_dict.items()}


def _what_if_body(changes) -> dict:
    lot = _lot(**changes)
    return {
        "category": lot["category"],
        "standard": lot["standard"],
        "country": "IT",
        "export_date": _days(14),
        "arrival_date": _days(45),
        "manufacture_date": lot["manufactured_on"],
        "expiry_date": lot["expires_on"],
        "attachments": [],
    }


def _through_what_if(api_client, changes) -> dict[str, str]:
    response = api_client.post(WHAT_IF, _what_if_body(changes), format="json")
    assert response.status_code == 400, response.json()
    fields = response.json()["error"]["fields"]
    return {name: " ".join(messages) for name, messages in fields.items()}


@pytest.mark.django_db
@pytest.mark.parametrize(("door", "changes", "field", "message"), CASES)
def test_every_door_refuses_the_same_bad_lot_naming_the_same_field(
    request, door, changes, field, message, standard
):
    lot = None
    if door in ("admin", "service"):
        lot = factories.LotFactory(standard=standard)
        before = {name: getattr(lot, name) for name in changes}
    if door == "form":
        errors = _through_form(request.getfixturevalue("client"), changes)
    elif door == "import":
        errors = _through_import(request.getfixturevalue("client"), changes)
    elif door == "api":
        errors = _through_api(request.getfixturevalue("partner_client"), changes)
    elif door == "admin":
        manager = request.getfixturevalue("manager")
        errors = _through_admin(request.getfixturevalue("client"), manager, lot, changes)
    elif door == "service":
        errors = _through_service(request.getfixturevalue("coordinator"), lot, changes)
    else:
        errors = _through_what_if(request.getfixturevalue("api_client"), changes)
        field = LOT_FIELD_NAMES.get(field, field)

    assert field in errors, errors
    assert message in errors[field]
    if lot is not None:
        lot.refresh_from_db()
        assert {name: getattr(lot, name) for name in changes} == before
    else:
        assert not DonationOffer.objects.exists() and not MaterialLot.objects.exists()


@pytest.mark.django_db
def test_the_base_lot_of_the_table_passes_every_door(
    client, partner_client, api_client, manager, coordinator, standard, catalogue
):
    """The table's refusals come from the changed fields, not from a base lot that is bad."""
    form = client.post(reverse("donations:offer-new"), offer_data())
    assert form.status_code == 302
    api = partner_client.post(reverse("api:offer-list"), {"lots": [_lot()]}, format="json")
    assert api.status_code == 201, api.json()
    lot = factories.LotFactory(standard=standard)
    client.force_login(manager)
    url = reverse("admin:donations_materiallot_change", args=[lot.pk])
    page = client.get(url)
    saved = client.post(url, {**_admin_form_data(page), "product": "Renamed KN95"})
    assert saved.status_code == 302
    lot.refresh_from_db()
    assert lot.product == "Renamed KN95"
    what_if = api_client.post(WHAT_IF, _what_if_body({}), format="json")
    assert what_if.status_code == 200, what_if.json()
