"""Under the Content-Security-Policy, the offer form's script, the admin and /api/docs/ still
work in Chromium, and the browser reports no violation on any of them."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from compliance.models import RuleSet
from donations.models import MaterialLot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def watched(page):
    """The page, and every CSP complaint the browser makes while the test drives it."""
    complaints = []
    page.on(
        "console",
        lambda message: (
            complaints.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('Content Security Policy violation: ' + e.violatedDirective"
        " + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber))"
    )
    return page, complaints


def test_no_page_violates_the_policy_and_the_scripts_still_run(live_server, watched):
    page, complaints = watched
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    manager = get_user_model().objects.get(username="manager")
    manager.set_password("correct horse battery")
    manager.save()
    base = live_server.url

    # The offer form's script: adding a lot is done by static/js/offer_form.js.
    response = page.goto(base + reverse("donations:offer-new"))
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.click("#add-lot")
    assert page.locator("[data-lot]:visible").count() == 2

    # The admin: log in, a list with its filters, a change form with autocomplete widgets.
    page.goto(base + reverse("admin:login"))
    page.fill("[name=username]", "manager")
    page.fill("[name=password]", "correct horse battery")
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    page.goto(base + reverse("admin:donations_materiallot_changelist"))
    page.wait_for_selector("#result_list")
    lot = MaterialLot.objects.first()
    page.goto(base + reverse("admin:donations_materiallot_change", args=[lot.pk]))
    page.wait_for_selector("#materiallot_form")
    page.goto(base + reverse("admin:compliance_ruleset_change", args=[RuleSet.objects.first().pk]))
    page.wait_for_selector("#ruleset_form")
    page.goto(base + reverse("admin:shipments_shipment_add"))
    page.wait_for_selector(".select2-container")  # autocomplete is initialised by admin JS

    # Swagger UI renders the operations from the schema.
    page.goto(base + reverse("api-docs"))
    page.wait_for_selector(".opblock-tag", timeout=30_000)

    assert complaints == [], "\n".join(complaints)
