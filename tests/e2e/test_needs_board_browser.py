"""In Chromium: a partner opens the needs board, offers against a need, the form arrives
prefilled; the board fits a 390 px phone screen.

Screenshots go to SFIEC_SCREENSHOTS (a folder) when it is set, else to a temporary folder.
"""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.urls import reverse

from donations import services as donation_services
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_offers_against_a_need_from_the_board(live_server, browser, tmp_path):
    out = Path(os.environ.get("SFIEC_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    kn95 = factories.StandardFactory()
    milan = factories.SisterCityFactory()
    busan = factories.SisterCityFactory(slug="busan", name="Busan", name_zh="釜山", country="KR")
    need = donation_services.need_create(
        recipient=factories.RecipientFactory(city=milan, name="Ospedale Maggiore di Milano"),
        city=milan,
        category="respirator_nonmedical",
        quantity=20000,
        needed_by=dt.date(2027, 1, 31),
        description="Respirators for the intensive care wards",
        accepted_standards=[kn95],
    )
    donation_services.need_create(
        recipient=factories.RecipientFactory(city=busan, name="Busan Medical Centre"),
        city=busan,
        category="gloves",
        quantity=50000,
    )
    partner = factories.PartnerUserFactory(username="pat")
    partner.save()

    context = browser.new_context(viewport={"width": 390, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    page.goto(base + reverse("needs:board"))
    page.fill("[name=username]", "pat")
    page.fill("[name=password]", "correct horse battery")
    page.click("main button[type=submit]")
    page.wait_for_selector("#needs-board")
    card = page.locator(f"#need-{need.pk}")
    text = card.inner_text()
    assert "20,000 still needed of 20,000" in text and "Respiratory protection" in text
    page.screenshot(path=str(out / "needs_board_phone.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth") - 390
    assert overflow <= 0, f"the board is {overflow}px wider than the phone"

    card.get_by_role("link", name="Offer against this need").click()
    page.wait_for_selector("#offer-form")
    assert page.input_value("[name=preferred_city]") == str(milan.pk)
    assert page.input_value("[name=need]") == str(need.pk)
    assert page.input_value("[name=lots-0-category]") == "respirator_nonmedical"
    assert page.input_value("[name=lots-0-standard]") == kn95.slug
    assert "You are offering against a need in Milan" in page.inner_text("#offer-need")
    page.screenshot(path=str(out / "needs_offer_prefilled_phone.png"), full_page=True)
    context.close()
