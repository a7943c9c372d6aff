"""What a newcomer meets first: refused and missing pages in the site's layout with a way back,
and quantities grouped by thousands in Chinese as in English."""

import pytest
from django.urls import reverse

from donations import services as donation_services
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_refused_page_keeps_the_layout_and_says_why(client, login, coordinator):
    # A coordinator who types the address of "new shipment" (logistics officers plan them).
    login(coordinator)
    response = client.get(reverse("shipments:create"))
    assert response.status_code == 403
    page = response.text
    assert "You may not open this page" in page
    assert 'class="main-nav"' in page  # the layout, not a bare "403 Forbidden"
    assert f'href="{reverse("dashboard:home")}">Back to your start page' in page


def test_a_missing_page_keeps_the_layout_and_leads_back(client, login, partner):
    login(partner)
    response = client.get("/partner/offers/OFF-1999-00001/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert f'href="{reverse("donations:partner-offer-list")}">Back to your start page' in (
        response.text
    )


def test_a_refused_page_is_in_the_visitors_language(client, login, coordinator):
    login(coordinator)
    client.cookies["django_language"] = "zh-hans"
    response = client.get(reverse("shipments:create"))
    assert response.status_code == 403
    assert '<html lang="zh-hans">' in response.text


def test_chinese_pages_group_thousands_as_english_ones_do(client, login, partner, milan):
    recipient = factories.RecipientFactory(city=milan)
    donation_services.need_create(
        recipient=recipient,
        city=milan,
        actor=factories.UserFactory(roles=["coordinator"]),
        category="respirator_nonmedical",
        quantity=1_000_000,
    )
    login(partner)
    for language in ("en", "zh-hans"):
        client.cookies["django_language"] = language
        page = client.get(reverse("needs:board")).text
        assert '<strong class="need-unmet">1,000,000</strong>' in page, language
