"""Screenshots of the intake pages at phone and desktop width (SFIEC_SCREENSHOTS=dir to run)."""

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


@pytest.mark.skipif(not os.environ.get("SFIEC_SCREENSHOTS"), reason="SFIEC_SCREENSHOTS not set")
def test_take_screenshots(live_server, browser, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    out = Path(os.environ["SFIEC_SCREENSHOTS"])
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
        page.screenshot(path=str(out / f"offer_form_{label}.png"), full_page=True)
        page.fill("[name=organisation_name]", "Guangming")
        page.click("#submit-offer")
        page.wait_for_selector(".error-summary")
        page.screenshot(path=str(out / f"offer_errors_{label}.png"), full_page=True)
        page.goto(base + reverse("donations:offer-import"))
        page.screenshot(path=str(out / f"import_{label}.png"), full_page=True)
        _login(page, base, "cora")
        page.goto(base + reverse("donations:review-queue"))
        page.screenshot(path=str(out / f"queue_{label}.png"), full_page=True)
        page.goto(base + reverse("donations:review-detail", args=[lot.offer.reference]))
        page.screenshot(path=str(out / f"review_{label}.png"), full_page=True)
        page.goto(base + reverse("donations:lot-intake", args=[lot.reference]))
        page.screenshot(path=str(out / f"intake_{label}.png"), full_page=True)
        context.close()
