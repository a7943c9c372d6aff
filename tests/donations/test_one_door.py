"""One public service per state change (issue 7.3): every door that receives a lot queues its
compliance checks, a repeated move is a no-op, and reads never load rules."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from compliance.models import ComplianceCheck, RuleSet
from compliance.selectors import rule_set_active
from donations import services
from sfiec.exceptions import DomainError
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted_lot(coordinator, milan):
    lot = factories.LotFactory(offer=factories.OfferFactory(preferred_city=milan))
    services.offer_decide(offer=lot.offer, actor=coordinator, accept=True)
    return lot


def _page(client, lot, user):
    client.force_login(user)
    url = reverse("donations:lot-intake", args=[lot.reference])
    return client.post(url, {"result": "accepted", "quantity_received": "10000"})


def _api(client, lot, user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)
    return api.post(
        f"/api/v1/lots/{lot.reference}/receive/",
        {"result": "accepted", "quantity_received": 10000},
        format="json",
    )


def _admin(client, lot, user):
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    return client.post(
        reverse("admin:donations_materiallot_changelist"),
        {"action": "action_receive_the_full_offered_quantity", "_selected_action": [lot.pk]},
    )


@pytest.mark.parametrize("door", [_page, _api, _admin], ids=["page", "api", "admin"])
def test_a_lot_received_through_any_door_gets_its_check(
    door, client, accepted_lot, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = door(client, accepted_lot, coordinator)
    assert response.status_code in (200, 302), getattr(response, "content", b"")[:500]
    accepted_lot.refresh_from_db()
    assert accepted_lot.status == "received"
    check = ComplianceCheck.objects.get(lot=accepted_lot, is_current=True)
    assert check.country == "IT"


def test_the_receiving_helpers_are_private():
    assert not hasattr(services, "lot_receive") and not hasattr(services, "lot_reject")


def test_receiving_a_received_lot_again_is_a_no_op(accepted_lot, coordinator):
    from sfiec.models import StatusChange

    services.lot_intake(
        lot=accepted_lot, actor=coordinator, result="accepted", quantity_received=10_000
    )
    changes = StatusChange.objects.count()
    again = services.lot_intake(
        lot=accepted_lot, actor=coordinator, result="accepted", quantity_received=10_000
    )
    assert again.status == "received" and StatusChange.objects.count() == changes


def test_a_repeated_offer_decision_is_harmless(coordinator):
    offer = factories.OfferFactory()
    services.offer_start_review(offer=offer, actor=coordinator)
    services.offer_start_review(offer=offer, actor=coordinator)  # a retried request
    offer.refresh_from_db()
    assert offer.status == "under_review"


def test_migrate_leaves_an_active_rule_set_for_the_anonymous_what_if(api_client):
    # No fixture loaded anything: the test database was made by migrate.
    active = RuleSet.objects.get(is_active=True)
    count = RuleSet.objects.count()
    response = api_client.post(
        "/api/v1/compliance/evaluate/",
        {
            "category": "gloves",
            "country": "IT",
            "export_date": "2026-12-01",
            "arrival_date": "2026-12-08",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["rule_set_version"] == active.version
    assert RuleSet.objects.count() == count


def test_reading_the_active_rule_set_never_creates_one():
    RuleSet.objects.all().delete()
    with pytest.raises(DomainError, match="load_rules"):
        rule_set_active()
    assert not RuleSet.objects.exists()


def test_load_rules_loads_once_and_activates(capsys):
    RuleSet.objects.all().delete()
    call_command("load_rules")
    call_command("load_rules")
    assert RuleSet.objects.filter(is_active=True).count() == 1
    assert "Active rule set" in capsys.readouterr().out
