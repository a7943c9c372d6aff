"""In Chromium, the journeys a newcomer tried that had defects: a refused line reloaded, grouped
totals, badges on one line and a long e-mail address on a phone; a refused page with a way back;
the needs board switched to Chinese with the language switcher, its quantities grouped.

Screenshots go to SFIEC_SCREENSHOTS (a folder) when it is set, else to a temporary folder.
"""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from donations import services as donation_services
from shipments import services
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
# Every badge on one line, every page no wider than the screen.
LAYOUT = """() => ({
  width: document.documentElement.scrollWidth,
  broken: [...document.querySelectorAll('.badge')].filter(b => b.getClientRects().length > 1
    || b.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(b).fontSize) + 8)
    .map(b => b.textContent),
})"""


def _login(page, base, username):
    page.goto(base + reverse("login"))
    page.fill("[name=username]", username)
    page.fill("[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _out(tmp_path):
    out = Path(os.environ.get("SFIEC_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture
def world(db):
    factories.StandardFactory()
    city = factories.SisterCityFactory()
    consignee = factories.RecipientFactory(city=city, name="Ospedale Luigi Sacco")
    contact = factories.ContactFactory(
        organisation=consignee,
        name="Giulia Rossi",
        email="giulia.rossi.protezione-civile@comune.milano.example",  # wider than a phone
    )
    coordinator = factories.UserFactory(username="cora", roles=["coordinator"])
    leo = factories.UserFactory(username="leo", roles=["logistics_officer"])
    factories.PartnerUserFactory(username="pat")
    lot = factories.LotFactory(quantity_offered=120_000, cartons=240, units_per_carton=500)
    donation_services.offer_start_review(offer=lot.offer, actor=coordinator)
    donation_services.offer_accept(offer=lot.offer, actor=coordinator)
    lot = donation_services.lot_intake(
        lot=lot, actor=coordinator, result="accepted", quantity_received=120_000
    )
    shipment = services.shipment_create(
        city=city, consignee=consignee, consignee_contact=contact, created_by=leo
    )
    donation_services.need_create(
        recipient=consignee,
        city=city,
        actor=coordinator,
        category="respirator_nonmedical",
        quantity=1_000_000,
    )
    return {"lot": lot, "shipment": shipment}


def test_a_refused_line_reloaded_returns_to_the_workspace_and_it_fits_a_phone(
    live_server, browser, world, tmp_path
):
    out = _out(tmp_path)
    base = live_server.url
    shipment, lot = world["shipment"], world["lot"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    _login(page, base, "leo")
    page.goto(base + reverse("shipments:detail", args=[shipment.reference]))
    row = page.locator(f"tr[data-lot='{lot.reference}']")
    assert row.locator("td.num").inner_text().startswith("120,000")
    row.locator("[name=quantity]").fill("99999999")
    row.locator("button:has-text('Add')").click()
    page.wait_for_selector("#add-lines .error")
    # The address bar now shows the form's URL; opening it again (Enter, history, a bookmark)
    # leads back to the lots, not to a blank "405 Method Not Allowed".
    assert page.url.endswith("/lines/#add-lines")
    page.goto(page.url.split("#")[0])
    page.wait_for_selector("#add-lines")
    assert page.url.endswith(reverse("shipments:detail", args=[shipment.reference]) + "#add-lines")

    row = page.locator(f"tr[data-lot='{lot.reference}']")
    row.locator("[name=quantity]").fill("30000")
    row.locator("button:has-text('Add')").click()
    page.wait_for_selector(f"tr[data-line='{lot.reference}']")
    assert page.inner_text("[data-total='units']") == "30,000"
    assert page.inner_text("[data-total='value']") == "36,000.00 CNY"  # 30,000 × 1.20
    for label, width in (("desktop", 1280), ("phone", 390)):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(out / f"newcomer_shipment_{label}.png"), full_page=True)
        layout = page.evaluate(LAYOUT)
        assert layout["width"] <= width, f"{layout['width'] - width}px wider than {width}px"
        assert layout["broken"] == [], f"badges broken over lines at {width}px"
    context.close()


def test_a_refused_page_says_why_and_leads_back(live_server, page, world):
    base = live_server.url
    _login(page, base, "cora")
    response = page.goto(base + reverse("shipments:create"))
    assert response.status == 403
    assert page.inner_text("h1") == "You may not open this page"
    page.click("text=Back to your start page")
    page.wait_for_url(base + reverse("dashboard:home"))


def test_the_needs_board_in_chinese_groups_its_quantities(live_server, browser, world, tmp_path):
    out = _out(tmp_path)
    base = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 900}, locale="en-GB")
    page = context.new_page()
    _login(page, base, "pat")
    page.goto(base + reverse("needs:board"))
    with page.expect_navigation():
        page.select_option("#lang-select", "zh-hans")  # the header's language switcher
    assert page.get_attribute("html", "lang") == "zh-hans"
    assert page.inner_text(".need-unmet") == "1,000,000"
    page.screenshot(path=str(out / "newcomer_needs_zh_phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
