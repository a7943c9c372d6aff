"""The staff shipment workspace through the test client: who may do what, filters, creating a
shipment, adding and removing lines, and moves refused by the service shown beside the form."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from shipments import services
from shipments.models import Shipment, ShipmentLine, TrackingEvent
from tests import factories

pytestmark = pytest.mark.django_db


def _detail(shipment):
    return reverse("shipments:detail", args=[shipment.reference])


def _post_line(client, shipment, lot, quantity, cartons=""):
    return client.post(
        reverse("shipments:line-add", args=[shipment.reference]),
        {"lot": lot.pk, "quantity": quantity, "cartons": cartons},
    )


# --- who may do what -----------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page(client, shipment):
    for url in (reverse("shipments:list"), _detail(shipment), reverse("shipments:create")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_partners_and_outsiders_are_refused(client, login, shipment, partner, outsider):
    for user in (partner, outsider):
        login(user)
        assert client.get(reverse("shipments:list")).status_code == 403
        assert client.get(_detail(shipment)).status_code == 403


def test_a_viewer_reads_everything_but_sees_no_write_buttons_and_cannot_post(
    client, login, viewer, shipment, make_received_lot
):
    lot = make_received_lot()
    login(viewer)
    listing = client.get(reverse("shipments:list"))
    assert listing.status_code == 200
    assert shipment.reference in listing.text
    assert "New shipment" not in listing.text
    page = client.get(_detail(shipment))
    assert page.status_code == 200
    for control in ("Mark as", "Add lots", "Make a tracking token", "Edit transport"):
        assert control not in page.text
    assert lot.reference not in page.text  # lot search is for writers only
    assert client.get(reverse("shipments:create")).status_code == 403
    assert _post_line(client, shipment, lot, 10).status_code == 403
    move = client.post(
        reverse("shipments:move", args=[shipment.reference]), {"target": "cancelled", "note": "x"}
    )
    assert move.status_code == 403
    shipment.refresh_from_db()
    assert shipment.status == "draft"
    assert not ShipmentLine.objects.exists()


def test_a_manager_may_write(client, login, manager, shipment, make_received_lot):
    lot = make_received_lot()
    login(manager)
    assert _post_line(client, shipment, lot, 10).status_code == 302
    assert ShipmentLine.objects.get().quantity == 10


def test_the_navigation_links_to_the_workspace_for_staff_only(client, login, viewer, partner):
    login(viewer)
    assert reverse("shipments:list") in client.get(reverse("home"), follow=True).text
    login(partner)
    assert reverse("shipments:list") not in client.get(reverse("home"), follow=True).text


# --- list and filters ----------------------------------------------------------------------


@pytest.fixture
def spread(logistics_officer, milan_consignee):
    """Three shipments: Milan by air in March, Milan by sea in May, Busan by air in May."""
    busan = factories.SisterCityFactory(slug="busan", name="Busan", country="KR")
    busan_consignee = factories.RecipientFactory(city=busan)
    make = services.shipment_create
    return {
        "milan_air": make(
            city=milan_consignee.city,
            consignee=milan_consignee,
            mode="air",
            planned_departure_on=dt.date(2026, 3, 10),
        ),
        "milan_sea": make(
            city=milan_consignee.city,
            consignee=milan_consignee,
            mode="sea",
            planned_departure_on=dt.date(2026, 5, 2),
            notes="cancelled later",
        ),
        "busan_air": make(
            city=busan,
            consignee=busan_consignee,
            mode="air",
            planned_departure_on=dt.date(2026, 5, 20),
        ),
    }


def _listed(client, query=""):
    response = client.get(reverse("shipments:list") + query)
    assert response.status_code == 200
    return set(re.findall(r"SHP-\d{4}-\d{4}", response.text))


@pytest.mark.parametrize(
    "query,expected",
    [
        ("", {"milan_air", "milan_sea", "busan_air"}),
        ("?city=milan", {"milan_air", "milan_sea"}),
        ("?city=busan", {"busan_air"}),
        ("?mode=sea", {"milan_sea"}),
        ("?status=cancelled", {"milan_sea"}),
        ("?departure_from=2026-05-01", {"milan_sea", "busan_air"}),
        ("?departure_from=2026-05-01&departure_to=2026-05-10", {"milan_sea"}),
        ("?city=milan&mode=air&departure_to=2026-04-01", {"milan_air"}),
    ],
)
def test_the_list_filters_by_city_status_mode_and_departure_dates(
    client, login, viewer, logistics_officer, spread, query, expected
):
    services.shipment_transition(
        shipment=spread["milan_sea"], target="cancelled", actor=logistics_officer, note="no ship"
    )
    login(viewer)
    assert _listed(client, query) == {spread[name].reference for name in expected}


def test_an_invalid_filter_is_shown_not_crashed_on(client, login, viewer, spread):
    login(viewer)
    response = client.get(reverse("shipments:list") + "?departure_from=soon&mode=boat")
    assert response.status_code == 200
    assert "Enter a valid date" in response.text


def test_the_list_is_paginated_and_its_queries_do_not_grow_with_it(
    client, login, viewer, milan_consignee, django_assert_max_num_queries
):
    for _n in range(27):
        services.shipment_create(city=milan_consignee.city, consignee=milan_consignee)
    login(viewer)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("shipments:list") + "?city=milan")
    assert len(re.findall(r"SHP-\d{4}-\d{4}</a>", first.text)) == 25
    assert "page=2" in first.text and "city=milan" in first.text
    second = client.get(reverse("shipments:list") + "?city=milan&page=2")
    assert len(re.findall(r"SHP-\d{4}-\d{4}</a>", second.text)) == 2


# --- creating a shipment -------------------------------------------------------------------


def test_the_create_form_offers_only_the_city_s_recipients_and_their_contacts(
    client, login, logistics_officer, milan_consignee
):
    other_city = factories.SisterCityFactory(slug="turin", name="Turin", country="IT")
    elsewhere = factories.RecipientFactory(city=other_city, name="Ospedale Molinette")
    factories.ContactFactory(organisation=elsewhere, name="Marco Bianchi")
    donor_contact = factories.ContactFactory(name="Donor Person")
    login(logistics_officer)
    assert "Milan" in client.get(reverse("shipments:create")).text  # the city picker
    form = client.get(reverse("shipments:create") + "?city=milan").text
    assert "Ospedale Sacco" in form and "Giulia Rossi" in form
    assert "Molinette" not in form and "Marco Bianchi" not in form
    assert donor_contact.name not in form


def test_a_logistics_officer_opens_a_shipment_with_transport_and_freight(
    client, login, logistics_officer, milan_consignee
):
    carrier = factories.OrganisationFactory(kind="carrier", name="China Eastern Cargo")
    contact = milan_consignee.contacts.get()
    login(logistics_officer)
    response = client.post(
        reverse("shipments:create") + "?city=milan",
        {
            "consignee": milan_consignee.pk,
            "consignee_contact": contact.pk,
            "mode": "air",
            "carrier": carrier.pk,
            "carrier_reference": "781-12345675",
            "transport_number": "MU787",
            "planned_departure_on": "2026-12-03",
            "expected_arrival_on": "2026-12-04",
            "freight_cost": "9600.00",
            "freight_currency": "CNY",
            "freight_paid_by": "donor",
            "chargeable_weight_kg": "320",
            "notes": "",
        },
    )
    shipment = Shipment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _detail(shipment)
    assert (shipment.city.slug, shipment.consignee, shipment.consignee_contact) == (
        "milan",
        milan_consignee,
        contact,
    )
    assert (shipment.transport_number, shipment.freight_paid_by) == ("MU787", "donor")
    assert shipment.created_by == logistics_officer
    page = client.get(_detail(shipment)).text
    assert "MU787" in page and "781-12345675" in page
    assert "30.00 CNY/kg" in page  # 9600 / 320 chargeable kg


def test_a_contact_of_another_organisation_is_refused(
    client, login, logistics_officer, milan_consignee
):
    other = factories.RecipientFactory(city=milan_consignee.city, name="Policlinico")
    stranger = factories.ContactFactory(organisation=other)
    login(logistics_officer)
    response = client.post(
        reverse("shipments:create") + "?city=milan",
        {
            "consignee": milan_consignee.pk,
            "consignee_contact": stranger.pk,
            "mode": "air",
            "freight_cost": "0",
            "freight_currency": "CNY",
            "freight_paid_by": "foundation",
            "chargeable_weight_kg": "0",
        },
    )
    assert response.status_code == 200
    assert "Choose a contact of the consignee" in response.text
    assert not Shipment.objects.exists()


# --- lines ---------------------------------------------------------------------------------


def test_the_lot_search_finds_available_lots_by_reference_product_and_donor(
    client, login, logistics_officer, shipment, make_received_lot, coordinator
):
    from donations import services as donation_services

    gloves = make_received_lot(product="Nitrile gloves", offer__donor__name="Guangming Trust")
    masks = make_received_lot(product="KN95 respirator")
    quarantined = make_received_lot(product="Nitrile gloves, wet")
    donation_services.lot_set_quarantine(
        lot=quarantined, actor=coordinator, is_quarantined=True, note="wet cartons"
    )
    pledged = factories.LotFactory(product="Nitrile gloves, not yet here")
    login(logistics_officer)

    def found(q):
        page = client.get(_detail(shipment), {"q": q}).text
        return {lot for lot in (gloves, masks, quarantined, pledged) if lot.reference in page}

    assert found("nitrile") == {gloves}
    assert found("guangming") == {gloves}
    assert found(masks.reference) == {masks}
    assert found("") == {gloves, masks}


def test_a_line_takes_part_of_a_lot_with_its_cartons_and_the_totals_follow(
    client, login, logistics_officer, shipment, make_received_lot
):
    lot = make_received_lot()  # 10,000 units, 120 kg gross, 100 kg net, 1.2 m³, 1.20 CNY each
    login(logistics_officer)
    response = _post_line(client, shipment, lot, 3000, cartons=7)
    assert response.status_code == 302
    line = ShipmentLine.objects.get()
    assert (line.quantity, line.cartons) == (3000, 7)
    lot.refresh_from_db()
    assert (lot.quantity_allocated, lot.quantity_available) == (3000, 7000)
    page = client.get(_detail(shipment)).text
    assert 'data-total="units">3,000<' in page
    assert 'data-total="cartons">7<' in page
    assert 'data-total="gross">36.00 kg<' in page
    assert 'data-total="net">30.00 kg<' in page
    assert 'data-total="volume">0.360 m³<' in page
    assert 'data-total="value">3,600.00 CNY<' in page


def test_cartons_left_empty_are_worked_out_from_the_lot(
    client, login, logistics_officer, shipment, make_received_lot
):
    lot = make_received_lot()  # 500 units per carton
    login(logistics_officer)
    _post_line(client, shipment, lot, 1001)
    assert ShipmentLine.objects.get().cartons == 3


def test_too_many_units_are_refused_beside_the_lot(
    client, login, logistics_officer, shipment, make_received_lot
):
    lot = make_received_lot()
    login(logistics_officer)
    response = _post_line(client, shipment, lot, 10_001, cartons=21)
    assert response.status_code == 409
    row = re.search(rf'<tr data-lot="{lot.reference}">.*?</tr>', response.text, re.S).group(0)
    assert "Only 10000 units" in row
    assert 'value="10001"' in row  # what was typed is kept
    assert not ShipmentLine.objects.exists()


def test_a_line_is_removed_and_its_units_become_available_again(
    client, login, logistics_officer, shipment, make_received_lot
):
    lot = make_received_lot()
    services.shipment_allocate(
        shipment=shipment, lot=lot, quantity=400, cartons=1, actor=logistics_officer
    )
    line = ShipmentLine.objects.get()
    login(logistics_officer)
    response = client.post(
        reverse("shipments:line-remove", args=[shipment.reference, line.pk]), follow=True
    )
    assert response.status_code == 200
    assert "removed" in response.text
    assert not ShipmentLine.objects.exists()
    lot.refresh_from_db()
    assert lot.quantity_allocated == 0


def test_each_line_shows_its_check_for_the_destination(
    client, login, logistics_officer, kn95_lot, django_capture_on_commit_callbacks
):
    from compliance.models import ComplianceCheck

    consignee = factories.RecipientFactory(city=kn95_lot.offer.preferred_city)
    shipment = services.shipment_create(city=consignee.city, consignee=consignee)
    with django_capture_on_commit_callbacks(execute=True):
        services.shipment_allocate(
            shipment=shipment, lot=kn95_lot, quantity=100, actor=logistics_officer
        )
    check = ComplianceCheck.objects.get(lot=kn95_lot, country="IT", is_current=True)
    assert check.result == "fail"
    failing = next(f for f in check.findings if f["severity"] == "fail")
    login(logistics_officer)
    page = client.get(_detail(shipment)).text
    row = re.search(rf'<tr data-line="{kn95_lot.reference}">.*?</tr>', page, re.S).group(0)
    assert 'class="badge badge-fail"' in row
    assert failing["rule"] in row
    assert reverse("compliance:lot", args=[kn95_lot.reference]) in row


# --- status moves --------------------------------------------------------------------------


def test_a_refused_move_shows_the_service_s_reason_beside_its_form(
    client, login, logistics_officer, shipment
):
    login(logistics_officer)
    response = client.post(
        reverse("shipments:move", args=[shipment.reference]), {"target": "ready", "note": ""}
    )
    assert response.status_code == 409
    form = re.search(r'<form[^>]*class="form move move-ready[^"]*".*?</form>', response.text, re.S)
    assert "at least one line" in form.group(0)
    shipment.refresh_from_db()
    assert shipment.status == "draft"


def test_a_move_not_allowed_from_the_status_is_refused_without_a_500(
    client, login, logistics_officer, shipment
):
    login(logistics_officer)
    response = client.post(
        reverse("shipments:move", args=[shipment.reference]),
        {"target": "delivered", "location": "Milan"},
    )
    assert response.status_code == 409
    assert "cannot move from" in response.text


def test_a_move_asks_for_what_it_needs(client, login, logistics_officer, shipment):
    login(logistics_officer)
    response = client.post(
        reverse("shipments:move", args=[shipment.reference]), {"target": "cancelled"}
    )
    assert response.status_code == 400
    assert "This field is required" in response.text
    shipment.refresh_from_db()
    assert shipment.status == "draft"


def test_moves_write_events_shown_in_the_timeline(
    client, login, logistics_officer, shipment, make_received_lot, clear_compliance
):
    lot = make_received_lot()
    services.shipment_allocate(shipment=shipment, lot=lot, quantity=10, actor=logistics_officer)
    clear_compliance(shipment)
    login(logistics_officer)
    move = reverse("shipments:move", args=[shipment.reference])
    assert client.post(move, {"target": "ready", "note": "packed"}).status_code == 302
    assert client.post(move, {"target": "booked", "note": "MU787 booked"}).status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == "booked"
    page = client.get(_detail(shipment)).text
    timeline = re.search(r'<ol class="timeline">.*?</ol>', page, re.S).group(0)
    assert re.findall(r'data-status="(\w+)"', timeline) == ["draft", "ready", "booked"]
    assert "MU787 booked" in timeline
    assert 'name="location"' in page  # the next move (in transit) asks where


def test_the_timeline_follows_the_time_things_happened_then_the_recording_order(
    client, login, viewer, shipment
):
    # Rows as a carrier import would leave them: recorded out of order, two at the same time.
    created = shipment.events.get()
    at = created.occurred_at
    late = TrackingEvent.objects.create(
        shipment=shipment, status="arrived", occurred_at=at + dt.timedelta(days=3)
    )
    early = TrackingEvent.objects.create(
        shipment=shipment, status="booked", occurred_at=at + dt.timedelta(days=1)
    )
    tie = TrackingEvent.objects.create(
        shipment=shipment, status="in_transit", occurred_at=at + dt.timedelta(days=1)
    )
    login(viewer)
    page = client.get(_detail(shipment)).text
    timeline = re.search(r'<ol class="timeline">.*?</ol>', page, re.S).group(0)
    assert re.findall(r'data-status="(\w+)"', timeline) == [
        created.status,
        early.status,
        tie.status,
        late.status,
    ]


def test_documents_have_their_place_on_the_page(client, login, viewer, shipment):
    login(viewer)
    page = client.get(_detail(shipment)).text
    assert 'id="documents"' in page


def test_the_api_records_cartons_given_or_worked_out(
    api_client, logistics_officer, shipment, make_received_lot
):
    given, derived = make_received_lot(), make_received_lot()
    api_client.force_authenticate(logistics_officer)
    url = f"/api/v1/shipments/{shipment.pk}/allocate/"
    assert api_client.post(url, {"lot": given.pk, "quantity": 600, "cartons": 2}).status_code == 201
    assert api_client.post(url, {"lot": derived.pk, "quantity": 600}).status_code == 201
    assert {line.lot_id: line.cartons for line in shipment.lines.all()} == {
        given.pk: 2,
        derived.pk: 2,  # 600 units at 500 per carton
    }


# --- planning ------------------------------------------------------------------------------


def test_transport_and_freight_are_changed_until_the_goods_leave(
    client, login, logistics_officer, shipment, viewer
):
    url = reverse("shipments:edit", args=[shipment.reference])
    values = {
        "mode": "sea",
        "carrier_reference": "COSU6123456780",
        "transport_number": "COSCO Taurus 012W",
        "freight_cost": "12000",
        "freight_currency": "USD",
        "freight_paid_by": "recipient",
        "chargeable_weight_kg": "0",
    }
    login(viewer)
    assert client.get(url).status_code == 403
    assert client.post(url, values).status_code == 403
    login(logistics_officer)
    assert client.get(url).status_code == 200
    assert client.post(url, values).status_code == 302
    shipment.refresh_from_db()
    assert (shipment.mode, shipment.transport_number, shipment.freight_paid_by) == (
        "sea",
        "COSCO Taurus 012W",
        "recipient",
    )


def test_the_shipment_page_reads_in_a_bounded_number_of_queries(
    client, login, logistics_officer, shipment, make_received_lot, django_assert_max_num_queries
):
    for _n in range(6):
        lot = make_received_lot()
        services.shipment_allocate(
            shipment=shipment, lot=lot, quantity=10, cartons=1, actor=logistics_officer
        )
        make_received_lot()  # one more to offer in the search
    login(logistics_officer)
    with django_assert_max_num_queries(14):
        response = client.get(_detail(shipment))
    assert response.status_code == 200
    assert response.text.count("data-line=") == 6


def test_the_receipt_and_its_evidence_are_shown_read_only(
    client, login, viewer, shipment, milan_consignee
):
    from shipments.models import ReceiptEvidence, ReceiptRequest

    login(viewer)
    assert "No receipt has been requested" in client.get(_detail(shipment)).text
    request = ReceiptRequest.objects.create(
        shipment=shipment, contact=milan_consignee.contacts.get(), due_on=dt.date(2026, 12, 24)
    )
    ReceiptEvidence.objects.create(
        request=request,
        kind="signed_receipt",
        file="evidence/2026/12/receipt.pdf",
        original_name="ricevuta-firmata.pdf",
        sha256="0" * 64,
        content_type="application/pdf",
        size=48_213,
        rejected_reason="The stamp is missing.",
    )
    section = re.search(
        r'<section aria-labelledby="receipt">.*?</section>',
        client.get(_detail(shipment)).text,
        re.S,
    ).group(0)
    assert "Giulia Rossi" in section and "2026-12-24" in section
    assert "ricevuta-firmata.pdf" in section and "The stamp is missing." in section
    assert "<form" not in section


def test_an_event_dated_before_the_previous_one_is_refused_beside_its_time(
    client, login, logistics_officer, shipment
):
    login(logistics_officer)
    earlier = shipment.events.get().occurred_at - dt.timedelta(days=1)
    response = client.post(
        reverse("shipments:move", args=[shipment.reference]),
        {
            "target": "cancelled",
            "note": "flight cancelled",
            "occurred_at": timezone.localtime(earlier).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 409
    form = re.search(
        r'<form[^>]*class="form move move-cancelled[^"]*".*?</form>', response.text, re.S
    ).group(0)
    assert re.search(r'id="id_cancelled_occurred_at_error">[^<]*before', form)
    shipment.refresh_from_db()
    assert shipment.status == "draft"
