"""A manager's dashboard in Chromium: the KPI numbers equal the API's, a card opens the filtered
list, its Excel export holds the same rows; charts and map draw under a strict
Content-Security-Policy; nothing overflows a 390 px phone.

Screenshots go to SFIEC_SCREENSHOTS (a folder) when it is set, else to a temporary folder.
"""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import expect

from partners.models import SisterCity
from tests import factories
from tests.dashboard.builders import populate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'"
)
CHARTS = 6


def _with_csp(page):
    """Serve every page with a strict policy (no inline script or style), as production will.

    Every request but static files passes through this handler. They are not queued here
    (``route.fetch`` lets the next one start); the live server answers them one at a time
    (``_one_request_at_a_time`` in conftest.py), for its threads share one SQLite connection.
    """

    def handle(route):
        response = route.fetch(max_redirects=0)
        headers = dict(response.headers)
        if route.request.resource_type == "document":
            headers["content-security-policy"] = CSP
        route.fulfill(response=response, headers=headers)

    page.route(lambda url: "/static/" not in url, handle)
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _login(page, base, username):
    page.goto(base + reverse("login"))
    page.fill("[name=username]", username)
    page.fill("[name=password]", "correct horse battery")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _data(manager):
    populate(40)
    SisterCity.objects.filter(slug="milan").update(name_zh="米兰")
    for slug, name, country in [
        ("turin", "Turin", "IT"),
        ("incheon", "Incheon", "KR"),
        ("phnom-penh", "Phnom Penh", "KH"),
    ]:
        SisterCity.objects.get_or_create(slug=slug, defaults={"name": name, "country": country})
    return manager


def test_manager_reads_the_dashboard_opens_a_card_and_exports_it(live_server, browser, tmp_path):
    manager = factories.UserFactory(username="mona", roles=["manager"])
    _data(manager)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = _with_csp(page)
    base = live_server.url
    _login(page, base, "mona")
    assert page.url == base + reverse("dashboard:home")

    expect(page.locator("[data-chart][data-loaded=true]")).to_have_count(CHARTS)
    assert page.locator("#flow-map svg").count() == 1
    assert page.locator("canvas").count() == CHARTS - 1
    for name in [
        "offers-awaiting-review",
        "lots-in-quarantine",
        "lots-failing-compliance",
        "documents-failed",
        "receipts-overdue",
        "unmet-needs",
    ]:
        shown = page.locator(f"a[data-kpi='{name}'] [data-kpi-value]").inner_text()
        api = page.request.get(base + reverse(f"api:dashboard-{name}")).json()
        assert int(shown) == api["value"], name
    shipments = page.request.get(base + reverse("api:dashboard-shipments-by-status")).json()
    for item in shipments["by_status"]:
        shown = page.locator(f"a[data-kpi='shipments-by-status:{item['status']}'] [data-kpi-value]")
        assert int(shown.inner_text()) == item["value"]
    # The map's data table names every city with its count.
    table = page.locator("[data-chart=flows] table")
    assert table.locator("tbody tr").count() == SisterCity.objects.count()

    expected = int(
        page.locator("a[data-kpi='lots-failing-compliance'] [data-kpi-value]").inner_text()
    )
    page.click("a[data-kpi='lots-failing-compliance']")
    page.wait_for_selector("#row-count")
    assert "compliance=failing" in page.url
    assert int(page.get_attribute("#row-count", "data-count")) == expected
    listed = page.locator("#staff-list tbody tr td:first-child").all_inner_texts()
    assert len(listed) == expected
    with page.expect_download() as download:
        page.click("a[data-export=xlsx]")
    path = tmp_path / "lots.xlsx"
    download.value.save_as(path)
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Reference"
    assert [row[0] for row in rows[1:]] == listed
    assert problems == []
    context.close()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_dashboard_and_a_list_fit_phone_and_desktop(live_server, browser, tmp_path, language):
    out = Path(os.environ.get("SFIEC_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    manager = factories.UserFactory(username="mona", roles=["manager"])
    _data(manager)
    base = live_server.url
    for label, width in {"phone": 390, "desktop": 1280}.items():
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems = _with_csp(page)
        _login(page, base, "mona")
        if language != "en":
            with page.expect_navigation():
                page.select_option("#lang-select", language)
        page.goto(base + reverse("dashboard:home"))
        expect(page.locator("[data-chart][data-loaded=true]")).to_have_count(CHARTS)
        for details in page.locator("details.chart-table").all():
            if not details.get_attribute("open"):
                details.locator("summary").click()
        _shoot(page, out / f"dashboard_{language}_{label}.png", width)
        page.goto(base + reverse("dashboard:list", args=["lots"]) + "?sort=-kg")
        _shoot(page, out / f"list_lots_{language}_{label}.png", width)
        assert problems == []
        context.close()


def _shoot(page, path, width):
    page.screenshot(path=str(path), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth") - width
    assert overflow <= 0, f"{path.name} is {overflow}px wider than the {width}px screen"


EMPTY_CHARTS = [
    "flows",
    "goods-by-city",
    "goods-by-category",
    "freight-cost-per-kg",
    "lead-times",
    "weekly",
]


@contextmanager
def _dashboard(browser, base, width):
    """Mona's dashboard at ``width``, every chart loaded; the context is closed even when an
    assertion fails, so no request of this page is still running when the next test starts."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems = _with_csp(page)
        _login(page, base, "mona")
        page.goto(base + reverse("dashboard:home"))
        expect(page.locator("[data-chart][data-loaded=true]")).to_have_count(CHARTS)
        yield page, problems
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_on_an_empty_database_every_chart_says_there_is_no_data_yet(
    live_server, browser, tmp_path, width
):
    out = Path(os.environ.get("SFIEC_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    factories.UserFactory(username="mona", roles=["manager"])
    # Sister cities but nothing shipped: the cities' rows hold only zeros.
    factories.SisterCityFactory(slug="milan", name="Milan", country="IT")

    with _dashboard(browser, live_server.url, width) as (page, problems):
        _shoot(page, out / f"dashboard_empty_{width}.png", width)
        for name in EMPTY_CHARTS:
            figure = page.locator(f"[data-chart='{name}']")
            expect(figure.locator(".chart-empty")).to_be_visible()
            expect(figure.locator(".chart-empty")).to_contain_text("No data yet.")
            expect(figure.locator("figcaption")).to_be_visible()
            # No empty axes, no map without flows, no table of zeros, no measure to pick.
            for part in ("canvas", ".map", "details.chart-table", "[data-metric]"):
                for element in figure.locator(part).all():
                    expect(element).to_be_hidden()
        assert problems == []


MAP_EDGE_PX = 4


def _overlap(a, b):
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_the_map_labels_of_close_cities_do_not_overlap(live_server, browser, tmp_path, width):
    out = Path(os.environ.get("SFIEC_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    _data(factories.UserFactory(username="mona", roles=["manager"]))
    SisterCity.objects.get_or_create(
        slug="gwangyang", defaults={"name": "Gwangyang", "country": "KR"}
    )

    with _dashboard(browser, live_server.url, width) as (page, problems):
        page.locator("#flow-map").screenshot(path=str(out / f"flow_map_{width}.png"))
        labels = page.locator("#flow-map text.jvm-label")
        names = [label.text_content() for label in labels.all()]
        assert {"Busan", "Gwangyang", "Incheon", "Milan", "Turin", "Shenzhen"} <= set(names)
        boxes = [label.bounding_box() for label in labels.all()]
        markers = [m.bounding_box() for m in page.locator("#flow-map circle.jvm-marker").all()]
        frame = page.locator("#flow-map").bounding_box()
        left, right = frame["x"], frame["x"] + frame["width"]
        top, bottom = frame["y"], frame["y"] + frame["height"]
        for name, marker in zip(
            page.locator("#flow-map circle.jvm-marker").evaluate_all(
                "(circles) => circles.map((c) => c.dataset.index)"
            ),
            markers,
            strict=True,
        ):
            # A city on its country's border (Turin) stays clear of the map's edge.
            assert left + MAP_EDGE_PX <= marker["x"], f"marker {name} at the left edge"
            assert marker["x"] + marker["width"] <= right - MAP_EDGE_PX, f"marker {name} right"
            assert top + MAP_EDGE_PX <= marker["y"], f"marker {name} at the top edge"
            assert marker["y"] + marker["height"] <= bottom - MAP_EDGE_PX, f"marker {name} bottom"
        for i, box in enumerate(boxes):
            for j in range(i + 1, len(boxes)):
                assert not _overlap(box, boxes[j]), f"{names[i]} overlaps {names[j]}"
            assert not any(_overlap(box, marker) for marker in markers), f"{names[i]} on a marker"
            assert left <= box["x"] and box["x"] + box["width"] <= right, (
                f"{names[i]} leaves the map"
            )
        assert problems == []
