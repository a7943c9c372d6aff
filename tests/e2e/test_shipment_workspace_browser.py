"""In Chromium: a logistics officer builds a shipment from two lots through the pages and sees
the totals; the list and the shipment page fit a 390 px phone and a desktop screen.

Screenshots go to SFIEC_SCREENSHOTS (a folder) when it is set, else to a temporary folder.
"""

import os
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from donations import services as donation_services
from shipments.models import Shipment
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 390, "desktop": 1280}


def _received(coordinator, **values):
    lot = factories.LotFactory(**values)
    donation_services.offer_start_review(offer=lot.offer, actor=coordinator)
    donation_services.offer_accept(offer=lot.offer, actor=coordinator)
    return donation_services.lot_intake(
        lot=lot, actor=coordinator, result="accepted", quantity_received=lot.quantity_offered
    )


@pytest.fixture
def world(db):
    factories.StandardFactory()
    city = factories.SisterCityFactory()
    consignee = factories.RecipientFactory(city=city, name="Ospedale Luigi Sacco")
    factories.ContactFactory(organisation=consignee, name="Giulia Rossi")
    factories.OrganisationFactory(kind="carrier", name="China Eastern Cargo")
    coordinator = factories.UserFactory(username="cora", roles=["coordinator"])
    factories.UserFactory(username="leo", roles=["logistics_officer"])
    masks = _received(coordinator, product="KN95 respirator 9501")
    gloves = _received(
        coordinator,
        category="gloves",
        product="Nitrile examination gloves",
        offer__donor__name="Guangming Medical Trust",
        quantity_offered=20_000,
        units_per_carton=1_000,
        cartons=20,
        gross_weight_kg=Decimal("210.00"),
        net_weight_kg=Decimal("180.00"),
        volume_m3=Decimal("2.000"),
        unit_value=Decimal("0.5000"),
    )
    return {"masks": masks, "gloves": gloves}


def _login(page, base, username):
    page.goto(base + reverse("login"))
    page.fill("[name=username]", username)
    page.fill("[name=password]", "correct horse battery")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _add(page, lot, units, cartons=""):
    page.fill("#add-lines [name=q]", lot.reference)
    page.click("#add-lines button:has-text('Search')")
    row = page.locator(f"tr[data-lot='{lot.reference}']")
    row.locator("[name=quantity]").fill(str(units))
    row.locator("[name=cartons]").fill(str(cartons))
    row.locator("button:has-text('Add')").click()
    page.wait_for_selector(f"tr[data-line='{lot.reference}']")


def test_a_logistics_officer_builds_a_shipment_from_two_lots(live_server, page, world):
    base = live_server.url
    _login(page, base, "leo")
    page.click("nav.main-nav >> text=Shipments")
    page.click("text=New shipment")
    page.select_option("[name=city]", "milan")
    page.click("button:has-text('Continue')")
    page.select_option("[name=consignee]", index=1)
    page.select_option("[name=consignee_contact]", index=1)
    page.select_option("[name=carrier]", index=1)
    page.fill("[name=carrier_reference]", "781-12345675")
    page.fill("[name=transport_number]", "MU787")
    page.fill("[name=freight_cost]", "3000")
    page.click("button:has-text('Open the shipment')")
    page.wait_for_selector("text=Lots, checks and lines")

    _add(page, world["masks"], 3000, cartons=6)  # of 10,000: 36 kg gross, 30 kg net, 0.36 m³
    _add(page, world["gloves"], 5000)  # of 20,000: 52.5 kg gross, 45 kg net, 0.5 m³, 5 cartons

    totals = {
        key: page.locator(f"[data-total='{key}']").inner_text()
        for key in ("units", "cartons", "gross", "net", "volume", "value", "cost-per-kg")
    }
    assert totals == {
        "units": "8,000",
        "cartons": "11",
        "gross": "88.50 kg",
        "net": "75.00 kg",
        "volume": "0.860 m³",
        "value": "6,100.00 CNY",  # 3000 × 1.20 + 5000 × 0.50
        "cost-per-kg": "33.90 CNY/kg",  # 3000 / 88.5
    }
    shipment = Shipment.objects.get()
    assert sorted((line.quantity, line.cartons) for line in shipment.lines.all()) == [
        (3000, 6),
        (5000, 5),
    ]

    # The customs pack: rendered from the page, then the packing list opened.
    page.click("#documents button:has-text('Generate the documents')")
    packing = page.locator("#documents tr[data-document-kind='packing_list']")
    packing.locator("[data-state]").filter(has_text="ready").wait_for(timeout=120_000)
    href = packing.locator("a:has-text('Download PDF')").get_attribute("href")
    response = page.request.get(base + href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    words = text.split()
    assert shipment.reference in text
    assert "KN95" in words and "Nitrile" in words  # each lot's contents (cells may wrap)


def _shoot(page, path, width):
    page.screenshot(path=str(path), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth") - width
    assert overflow <= 0, f"{path.name} is {overflow}px wider than the {width}px screen"


def test_the_workspace_fits_phone_and_desktop_screens(live_server, browser, world, tmp_path):
    from shipments import services

    out = Path(os.environ.get("SFIEC_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    leo = factories.UserFactory(username="leo")
    consignee = factories.RecipientFactory(city=factories.SisterCityFactory())
    shipment = services.shipment_create(
        city=consignee.city,
        consignee=consignee,
        created_by=leo,
        transport_number="MU787",
        carrier_reference="781-12345675",
    )
    services.shipment_allocate(
        shipment=shipment, lot=world["masks"], quantity=2500, cartons=5, actor=leo
    )
    base = live_server.url
    detail = base + reverse("shipments:detail", args=[shipment.reference])
    for label, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
        page = context.new_page()
        _login(page, base, "leo")
        page.goto(base + reverse("shipments:list"))
        _shoot(page, out / f"shipments_list_{label}.png", width)
        page.goto(base + reverse("shipments:create") + "?city=milan")
        _shoot(page, out / f"shipment_create_{label}.png", width)
        page.goto(detail)
        _shoot(page, out / f"shipment_detail_{label}.png", width)
        # A refused move is shown beside its form, not as an error page.
        page.goto(detail + "#status")
        page.locator("form.move-cancelled button").click()
        page.wait_for_selector("form.move-cancelled .error")
        _shoot(page, out / f"shipment_move_refused_{label}.png", width)
        assert re.search("required", page.locator("form.move-cancelled").inner_text())
        context.close()
