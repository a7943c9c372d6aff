"""The compliance gate holds from draft until departure, and overrides survive what does not
change them (issues 8.1 and 9.2)."""

import datetime as dt

import pytest

from compliance import services as compliance_services
from compliance.models import ComplianceCheck
from shipments import selectors
from shipments import services as shipment_services
from tests import factories

OVERRIDE_REASON = "Accepted in writing by Milan's civil protection for non-surgical use"


@pytest.fixture
def draft(kn95_lot, logistics_officer, milan, django_capture_on_commit_callbacks):
    """A draft to Milan with one KN95 line, checked on its dates (fails EU-RESPIRATOR)."""
    shipment = shipment_services.shipment_create(
        city=milan,
        consignee=factories.RecipientFactory(city=milan),
        created_by=logistics_officer,
        planned_departure_on=dt.date(2026, 12, 1),
        expected_arrival_on=dt.date(2026, 12, 8),
    )
    with django_capture_on_commit_callbacks(execute=True):
        shipment_services.shipment_allocate(
            shipment=shipment, lot=kn95_lot, quantity=100, actor=logistics_officer
        )
    return shipment


def _override_current(lot, officer):
    check = ComplianceCheck.objects.get(lot=lot, country="IT", is_current=True)
    return compliance_services.check_override(check=check, actor=officer, reason=OVERRIDE_REASON)


@pytest.fixture
def booked(draft, kn95_lot, logistics_officer, compliance_officer):
    _override_current(kn95_lot, compliance_officer)
    for target in ("ready", "booked"):
        shipment_services.shipment_transition(
            shipment=draft, target=target, actor=logistics_officer
        )
    return draft


def _move(api_client, shipment, target):
    return api_client.post(
        f"/api/v1/shipments/{shipment.pk}/transition/", {"status": target}, format="json"
    )


def test_new_dates_that_fail_send_a_booked_shipment_back_to_draft_with_the_reason(
    api_client, booked, kn95_lot, logistics_officer, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(logistics_officer)
    # The lot expires on 2030-01-01: arriving after that is a new failure.
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.patch(
            f"/api/v1/shipments/{booked.pk}/",
            {"planned_departure_on": "2030-05-20", "expected_arrival_on": "2030-06-01"},
            format="json",
        )
    assert response.status_code == 200, response.json()
    booked.refresh_from_db()
    assert booked.status == "draft"
    assert booked.expected_arrival_on == dt.date(2030, 6, 1)  # the new dates are kept
    event = booked.events.order_by("-occurred_at", "-id").first()
    assert (event.from_status, event.status, event.source) == ("booked", "draft", "system")
    assert kn95_lot.reference in event.note and "SHELF-EXPIRED-AT-ARRIVAL" in event.note

    # It cannot leave again until a compliance officer accepts the new check.
    assert _move(api_client, booked, "ready").status_code == 409


def test_new_dates_with_the_same_findings_keep_a_booked_shipment_booked(
    api_client, booked, logistics_officer, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(logistics_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.patch(
            f"/api/v1/shipments/{booked.pk}/", {"expected_arrival_on": "2026-12-10"}, format="json"
        )
    assert response.status_code == 200
    booked.refresh_from_db()
    assert booked.status == "booked"
    assert _move(api_client, booked, "in_transit").status_code == 200


def test_a_booked_shipment_whose_check_went_out_of_date_cannot_depart(
    api_client, booked, kn95_lot, logistics_officer
):
    api_client.force_authenticate(logistics_officer)
    compliance_services.lot_inputs_changed(lot_id=kn95_lot.pk)  # stale, re-run not yet done

    response = _move(api_client, booked, "in_transit")

    assert response.status_code == 409
    (blocker,) = response.json()["error"]["details"]["blockers"]
    assert blocker["reason"] == "stale" and blocker["lot"] == kn95_lot.reference
    booked.refresh_from_db()
    assert booked.status == "booked"
    assert not booked.events.filter(status="in_transit").exists()


def test_a_ready_shipment_is_gated_again_on_booking(
    api_client, draft, kn95_lot, logistics_officer, compliance_officer
):
    _override_current(kn95_lot, compliance_officer)
    api_client.force_authenticate(logistics_officer)
    assert _move(api_client, draft, "ready").status_code == 200
    ComplianceCheck.objects.filter(lot=kn95_lot).delete()  # e.g. the checks were purged

    response = _move(api_client, draft, "booked")

    assert response.status_code == 409
    assert response.json()["error"]["details"]["blockers"][0]["reason"] == "missing"


# --- overrides carry over (9.2) ----------------------------------------------------------


def test_an_override_carries_over_to_a_re_check_with_the_same_findings(
    kn95_lot, compliance_officer, logistics_officer, milan, django_capture_on_commit_callbacks
):
    intake_check = _override_current(kn95_lot, compliance_officer)
    shipment = shipment_services.shipment_create(
        city=milan,
        consignee=factories.RecipientFactory(city=milan),
        planned_departure_on=dt.date(2026, 12, 1),
        expected_arrival_on=dt.date(2026, 12, 8),
    )
    # Allocation re-runs the lot's check on the shipment's dates.
    with django_capture_on_commit_callbacks(execute=True):
        shipment_services.shipment_allocate(
            shipment=shipment, lot=kn95_lot, quantity=10, actor=logistics_officer
        )

    check = ComplianceCheck.objects.get(lot=kn95_lot, country="IT", is_current=True)
    assert check.pk != intake_check.pk and check.arrival_date == dt.date(2026, 12, 8)
    assert check.result == "fail" and check.is_overridden
    assert (check.overridden_by, check.overridden_at, check.override_reason) == (
        compliance_officer,
        intake_check.overridden_at,
        OVERRIDE_REASON,
    )
    assert check.override_carried_from_id == intake_check.pk
    assert selectors.shipment_blockers(shipment) == []
    shipment_services.shipment_transition(
        shipment=shipment, target="ready", actor=logistics_officer
    )


def test_an_override_lapses_visibly_when_a_new_failure_appears(
    api_client,
    draft,
    kn95_lot,
    compliance_officer,
    logistics_officer,
    django_capture_on_commit_callbacks,
):
    _override_current(kn95_lot, compliance_officer)
    with django_capture_on_commit_callbacks(execute=True):
        shipment_services.shipment_update(
            shipment=draft, actor=logistics_officer, expected_arrival_on=dt.date(2030, 6, 1)
        )

    check = ComplianceCheck.objects.get(lot=kn95_lot, country="IT", is_current=True)
    assert not check.is_overridden
    assert "SHELF-EXPIRED-AT-ARRIVAL" in check.override_lapsed

    api_client.force_authenticate(logistics_officer)
    response = _move(api_client, draft, "ready")
    assert response.status_code == 409
    (blocker,) = response.json()["error"]["details"]["blockers"]
    line = draft.lines.get()
    assert blocker["line"] == line.pk and blocker["lot"] == kn95_lot.reference
    assert blocker["reason"] == "fail"
    assert {"EU-RESPIRATOR", "SHELF-EXPIRED-AT-ARRIVAL"} <= set(blocker["rules"])
    assert blocker["override_role"] == "compliance_officer"
    assert "compliance officer" in blocker["message"]
    assert "SHELF-EXPIRED-AT-ARRIVAL" in blocker["override_lapsed"]

    # Visible where the check is read: the API and the lot's compliance page.
    api_client.force_authenticate(compliance_officer)
    body = api_client.get(f"/api/v1/compliance-checks/{check.pk}/").json()
    assert "SHELF-EXPIRED-AT-ARRIVAL" in body["override_lapsed"]
    from django.test import Client

    page = Client()
    page.force_login(compliance_officer)
    html = page.get(f"/staff/lots/{kn95_lot.reference}/compliance/").content.decode()
    assert "no longer applies" in html


def test_correcting_a_lot_on_a_shipment_checks_it_again_on_the_shipment_dates(
    draft, kn95_lot, coordinator, django_capture_on_commit_callbacks
):
    from donations import services as donation_services

    with django_capture_on_commit_callbacks(execute=True):
        donation_services.lot_update(
            lot=kn95_lot, actor=coordinator, expires_on=dt.date(2031, 1, 1)
        )

    check = ComplianceCheck.objects.get(lot=kn95_lot, country="IT", is_current=True)
    assert (check.export_date, check.arrival_date) == (dt.date(2026, 12, 1), dt.date(2026, 12, 8))
    assert not check.is_stale
    # Judged on the new facts and the shipment's dates: failing, not out of date.
    assert [b["reason"] for b in selectors.shipment_blockers(draft)] == ["fail"]
