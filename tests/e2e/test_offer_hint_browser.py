"""The offer form's compliance hint in Chromium: a verdict, the fix, and photos never break it.

Screenshots of the hint go to SFIEC_SCREENSHOTS (a folder) when it is set, else a temporary one.
"""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.urls import reverse

from compliance import services as compliance_services
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def milan(db):
    compliance_services.catalogue_sync()
    compliance_services.rule_set_sync_files()
    return factories.SisterCityFactory()


@pytest.fixture
def files(tmp_path):
    certificate = tmp_path / "declaration.pdf"
    certificate.write_bytes(PDF)
    photo = tmp_path / "carton.png"
    photo.write_bytes(PNG)
    return {"pdf": str(certificate), "photo": str(photo)}


def _kn95_for_milan(page, city, *, dates=None):
    page.select_option("[name=preferred_city]", str(city.pk))
    made = dt.date.today() - dt.timedelta(days=20)
    if dates:
        page.fill("#whatif-export", dates[0])
        page.fill("#whatif-arrival", dates[1])
        made = dt.date.fromisoformat(dates[0]) - dt.timedelta(days=60)
    page.fill("[name=lots-0-manufactured_on]", made.isoformat())
    page.fill("[name=lots-0-expires_on]", (made + dt.timedelta(days=1500)).isoformat())
    page.select_option("[name=lots-0-category]", "respirator_nonmedical")
    page.select_option("[name=lots-0-standard]", "CN_GB2626_KN95")


def _verdict(page, expected):
    box = page.locator("#lot-0 [data-whatif]")
    box.locator(".whatif-verdict-text", has_text=expected).wait_for()
    return box


IN_2020 = ("2020-06-01", "2020-06-15")


@pytest.mark.parametrize(
    ("language", "verdict", "fix", "next_verdict"),
    [
        (
            "en",
            "Can go to Milan once you attach the exporter's export declaration.",
            "Attach the exporter's export declaration",
            "Can go to Milan; read the notes below.",
        ),
        (
            "zh-hans",
            "附上出口商声明后即可发往米兰。",
            "附上出口商声明",
            "可以发往米兰，请阅读下方提示。",
        ),
    ],
)
def test_a_kn95_for_milan_gets_a_verdict_and_the_fix_and_attaching_it_moves_on(
    live_server, page, milan, files, language, verdict, fix, next_verdict
):
    page.goto(live_server.url + reverse("donations:offer-new"))
    if language != "en":
        with page.expect_navigation():
            page.select_option("#lang-select", language)
    _kn95_for_milan(page, milan, dates=IN_2020)
    box = _verdict(page, verdict)
    assert box.locator("[data-fix=attach]").first.inner_text().startswith(fix)
    # The findings and their sources are folded away, the assumed dates are spelt out.
    assert box.locator("details.whatif-details").get_attribute("open") is None
    assert box.locator("details .finding-source").count() >= 1
    assert "2020" in box.locator(".whatif-dates-note").inner_text()

    # A photo is not a document the rules read: the hint stays as it was.
    page.set_input_files("[name=lots-0-photos]", files["photo"])
    box.locator(".whatif-note").wait_for()
    assert box.locator(".whatif-verdict-text").inner_text() == verdict

    # The fix's button picks the document kind; attaching it turns the verdict.
    box.locator("[data-fix=attach] .whatif-use").first.click()
    assert page.input_value("[name=lots-0-certificate_kind]") == "export_declaration"
    page.set_input_files("[name=lots-0-certificates]", files["pdf"])
    box = _verdict(page, next_verdict)
    assert box.locator("[data-fix]").count() == 0


def test_today_the_hint_says_what_blocks_milan_and_what_would_change_it(live_server, page, milan):
    page.goto(live_server.url + reverse("donations:offer-new"))
    _kn95_for_milan(page, milan)
    box = _verdict(page, "Cannot go to Milan")
    fixes = box.locator("[data-fix]")
    assert fixes.count() >= 2
    assert box.locator("[data-fix=attach]").inner_text().startswith("Attach the")
    assert box.locator("[data-fix=standard]").count() >= 1
    assert "two weeks" in box.locator(".whatif-dates-note").inner_text()


def test_dates_that_contradict_the_lot_are_explained_not_hidden(live_server, page, milan):
    page.goto(live_server.url + reverse("donations:offer-new"))
    _kn95_for_milan(page, milan)
    _verdict(page, "Cannot go to Milan")
    page.fill("#whatif-export", "2020-06-01")
    page.fill("#whatif-arrival", "2020-06-15")
    page.locator("#whatif-arrival").dispatch_event("change")
    error = page.locator("#lot-0 [data-whatif] .whatif-error")
    error.wait_for()
    assert error.inner_text().startswith("The compliance hint cannot be worked out:")


def test_screenshots_of_the_hint_at_phone_and_desktop_width(live_server, browser, milan, files):
    out = Path(os.environ.get("SFIEC_SCREENSHOTS") or "/tmp/sfiec-screens")
    out.mkdir(parents=True, exist_ok=True)
    shots = {"phone": (390, "en", "Cannot go to Milan"), "desktop": (1280, "en", "Cannot go")}
    shots["phone_zh"] = (390, "zh-hans", "无法发往米兰")
    for label, (width, language, verdict) in shots.items():
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
        page = context.new_page()
        page.goto(live_server.url + reverse("donations:offer-new"))
        if language != "en":
            with page.expect_navigation():
                page.select_option("#lang-select", language)
        _kn95_for_milan(page, milan)
        box = _verdict(page, verdict)
        page.set_input_files("[name=lots-0-photos]", files["photo"])
        box.locator(".whatif-note").wait_for()
        box.locator("details summary").click()
        box.scroll_into_view_if_needed()
        box.screenshot(path=str(out / f"offer_hint_{label}.png"))
        page.screenshot(path=str(out / f"offer_hint_page_{label}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        assert overflow <= 0, f"the hint is {overflow}px wider than the {width}px screen"
        context.close()
