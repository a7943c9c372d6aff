"""The partner's side in Chromium: login lands on "my offers", and an imported lot gets its
certificate from the offer page, after which its compliance check runs again."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from compliance import services as compliance_services
from compliance.models import ComplianceCheck
from donations import services as donation_services
from donations.imports import EXAMPLE, HEADERS
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _login(page, base, username):
    page.goto(base + reverse("login"))
    page.fill("[name=username]", username)
    page.fill("[name=password]", "correct horse battery")
    page.click("main button[type=submit]")


def _imported_lot(partner, city):
    today = dt.date.today()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADERS)
    writer.writeheader()
    writer.writerow(
        {
            **EXAMPLE,
            "manufactured_on": (today - dt.timedelta(days=30)).isoformat(),
            "expires_on": (today + dt.timedelta(days=900)).isoformat(),
        }
    )
    donor = {
        "organisation_name": "ignored for a partner",
        "contact_name": "Li Wei",
        "contact_email": "li.wei@example.org",
    }
    token = "e" * 32
    preview = donation_services.offer_import_preview(
        spreadsheet=SimpleUploadedFile("lots.csv", out.getvalue().encode()),
        token=token,
        donor=donor,
        preferred_city=city,
        user=partner,
    )
    assert not preview.errors
    offer = donation_services.offer_import_confirm(token=token, user=partner)
    return offer.lots.get()


def test_a_partner_lands_on_their_offers_after_login(live_server, page):
    partner = factories.PartnerUserFactory(username="pat")
    factories.LotFactory(offer__donor=partner.partner_membership.organisation)
    _login(page, live_server.url, "pat")
    page.wait_for_url(live_server.url + reverse("donations:partner-offer-list"))
    assert page.inner_text("h1") == "My offers"
    assert page.inner_text("#offer-counts [data-status=submitted]") == "1"


def test_an_imported_lot_gets_its_certificate_from_the_offer_page(live_server, page, tmp_path):
    compliance_services.catalogue_sync()
    compliance_services.rule_set_sync_files()
    factories.StandardFactory()
    city = factories.SisterCityFactory()
    partner = factories.PartnerUserFactory(username="pat")
    lot = _imported_lot(partner, city)
    before = compliance_services.lot_check_for_country(lot=lot, country="IT")
    declaration = tmp_path / "declaration.pdf"
    declaration.write_bytes(PDF)

    _login(page, live_server.url, "pat")
    page.goto(
        live_server.url + reverse("donations:partner-offer-detail", args=[lot.offer.reference])
    )
    section = page.locator(f"section#{lot.reference}")
    assert "No attachments." in section.inner_text()
    section.locator(f"#{lot.reference}-kind").select_option("export_declaration")
    section.locator(f"#{lot.reference}-files").set_input_files(str(declaration))
    section.locator("button[type=submit]").click()
    page.locator(".message-success").wait_for()
    assert "declaration.pdf" in page.locator(f"section#{lot.reference}").inner_text()

    after = ComplianceCheck.objects.get(lot=lot, is_current=True)
    assert after.pk != before.pk and not after.is_stale
    assert lot.attachments.get().kind == "export_declaration"
