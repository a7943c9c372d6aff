"""The intake pages at phone and desktop width: nothing overflows sideways on a phone.

Screenshots go to SFIEC_SCREENSHOTS (a folder) when it is set, else to a temporary folder.
"""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from donations import services
from sfiec.uploads import upload_check
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 390, "desktop": 1280}


def _login(page, base, username):
    page.goto(base + reverse("login"))
    page.fill("[name=username]", username)
    page.fill("[name=password]", "correct horse battery")
    page.click("main button[type=submit]")


def _shoot(page, path, width):
    page.screenshot(path=str(path), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth") - width
    assert overflow <= 0, f"{path.name} is {overflow}px wider than the {width}px screen"


def test_pages_fit_phone_and_desktop_screens(live_server, browser, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    out = Path(os.environ.get("SFIEC_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    factories.StandardFactory()
    factories.SisterCityFactory()
    coordinator = factories.UserFactory(username="cora", roles=["coordinator"])
    coordinator.save()
    partner = factories.PartnerUserFactory(username="pat")
    partner.save()
    lot = factories.LotFactory(offer__donor=partner.partner_membership.organisation)
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 120, 60)).save(buffer, format="PNG")
    services.attachment_add(
        lot=lot, kind="photo", upload=upload_check(SimpleUploadedFile("p.png", buffer.getvalue()))
    )
    base = live_server.url
    for label, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(base + reverse("donations:offer-new"))
        _shoot(page, out / f"offer_form_{label}.png", width)
        page.fill("[name=organisation_name]", "Guangming")
        page.click("#submit-offer")
        page.wait_for_selector(".error-summary")
        _shoot(page, out / f"offer_errors_{label}.png", width)
        page.goto(base + reverse("donations:offer-import"))
        _shoot(page, out / f"import_{label}.png", width)
        _login(page, base, "cora")
        page.goto(base + reverse("donations:review-queue"))
        _shoot(page, out / f"queue_{label}.png", width)
        page.goto(base + reverse("donations:review-detail", args=[lot.offer.reference]))
        _shoot(page, out / f"review_{label}.png", width)
        page.goto(base + reverse("donations:lot-intake", args=[lot.reference]))
        _shoot(page, out / f"intake_{label}.png", width)
        context.close()
