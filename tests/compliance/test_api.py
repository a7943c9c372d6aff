import datetime as dt

import pytest

from compliance import services
from compliance.models import ComplianceCheck
from shipments import selectors as shipment_selectors
from shipments import services as shipment_services
from tests import factories

EVALUATE = "/api/v1/compliance/evaluate/"
KN95_FOR_ITALY = {
    "category": "respirator_nonmedical",
    "standard": "CN_GB2626_KN95",
    "country": "it",
    "export_date": "2020-05-06",
    "arrival_date": "2020-05-12",
    "manufacture_date": "2020-03-01",
    "expiry_date": "2022-03-01",
    "attachments": ["test_report", "whitelist_proof"],
    "manufacturer_whitelisted": True,
}


def test_what_if_answers_anyone_and_saves_nothing(api_client, catalogue):
    response = api_client.post(EVALUATE, KN95_FOR_ITALY, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["result"] in ("pass", "warn", "fail")
    assert body["rule_set_version"] == "2020.2"
    assert set(body["findings"][0]) == {"rule", "severity", "message", "message_zh", "source"}
    assert ComplianceCheck.objects.count() == 0


def test_what_if_inside_and_after_the_2020_403_window(api_client, catalogue):
    inside = api_client.post(EVALUATE, {**KN95_FOR_ITALY, "attachments": []}, format="json").json()
    after = api_client.post(
        EVALUATE,
        {
            **KN95_FOR_ITALY,
            "attachments": [],
            "export_date": "2023-01-10",
            "arrival_date": "2023-01-20",
            "manufacture_date": "2022-06-01",
            "expiry_date": "2026-06-01",
        },
        format="json",
    ).json()
    assert inside["result"] != "fail" or "EU-RESPIRATOR" not in {
        f["rule"] for f in inside["findings"] if f["severity"] == "fail"
    }
    assert "EU-RESPIRATOR" in {f["rule"] for f in after["findings"] if f["severity"] == "fail"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "spacesuit"}, "category"),
        ({"standard": "XX_NOPE"}, "standard"),
        ({"country": "Italy"}, "country"),
        ({"export_date": "2020-13-45"}, "export_date"),
        ({"arrival_date": "2020-05-01"}, "arrival_date"),
        ({"expiry_date": "2019-01-01"}, "expiry_date"),
        ({"attachments": ["love_letter"]}, "attachments"),
        ({"manufacturer_whitelisted": "perhaps"}, "manufacturer_whitelisted"),
    ],
)
def test_what_if_names_the_bad_field(api_client, catalogue, change, field):
    response = api_client.post(EVALUATE, {**KN95_FOR_ITALY, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_what_if_requires_the_core_fields(api_client, catalogue):
    response = api_client.post(EVALUATE, {}, format="json")
    assert response.status_code == 400
    assert {"category", "country", "export_date", "arrival_date"} <= set(
        response.json()["error"]["fields"]
    )


def test_what_if_is_rate_limited_per_client_address(api_client, catalogue, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "compliance_evaluate": "2/min"},
    }
    codes = [
        api_client.post(
            EVALUATE, KN95_FOR_ITALY, format="json", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        ).status_code
        for n in range(3)
    ]
    # A forged X-Forwarded-For does not make a new client: no proxy is trusted by default.
    assert codes == [200, 200, 429]
    other = api_client.post(EVALUATE, KN95_FOR_ITALY, format="json", REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 200


def test_checks_list_and_override_through_the_api(
    api_client, kn95_lot, logistics_officer, compliance_officer, partner
):
    check = ComplianceCheck.objects.get(lot=kn95_lot, is_current=True)
    url = f"/api/v1/compliance-checks/{check.pk}/"

    api_client.force_authenticate(partner)
    assert api_client.get(url).status_code == 403

    api_client.force_authenticate(logistics_officer)
    listed = api_client.get("/api/v1/compliance-checks/?result=fail&is_current=true").json()
    assert [row["id"] for row in listed["results"]] == [check.pk]
    response = api_client.post(
        url + "override/", {"reason": "Accepted by the consignee in writing"}
    )
    assert response.status_code == 403

    api_client.force_authenticate(compliance_officer)
    response = api_client.post(url + "override/", {"reason": "short"})
    assert response.status_code == 409
    response = api_client.post(
        url + "override/", {"reason": "Accepted by the consignee in writing"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["is_overridden"] and body["overridden_by"] == "coco"
    assert body["override_reason"] == "Accepted by the consignee in writing"


@pytest.fixture
def draft_to_milan(kn95_lot, logistics_officer, milan, django_capture_on_commit_callbacks):
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


def test_a_failing_line_keeps_the_shipment_in_draft_until_overridden(
    api_client, draft_to_milan, kn95_lot, logistics_officer, compliance_officer
):
    url = f"/api/v1/shipments/{draft_to_milan.pk}/transition/"
    api_client.force_authenticate(logistics_officer)
    response = api_client.post(url, {"status": "ready"}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert kn95_lot.reference in error["message"]
    (blocker,) = error["details"]["blockers"]
    assert blocker["reason"] == "fail"
    assert "EU-RESPIRATOR" in {f["rule"] for f in blocker["findings"]}
    draft_to_milan.refresh_from_db()
    assert draft_to_milan.status == "draft"

    check = ComplianceCheck.objects.get(pk=blocker["check"])
    services.check_override(
        check=check, actor=compliance_officer, reason="Accepted by Milan's civil protection"
    )
    response = api_client.post(url, {"status": "ready"}, format="json")
    assert response.status_code == 200, response.json()


def test_a_missing_or_stale_check_blocks_the_shipment(
    api_client, draft_to_milan, kn95_lot, logistics_officer
):
    url = f"/api/v1/shipments/{draft_to_milan.pk}/transition/"
    api_client.force_authenticate(logistics_officer)

    services.lot_inputs_changed(lot_id=kn95_lot.pk)  # marks stale; the re-run waits for commit
    response = api_client.post(url, {"status": "ready"}, format="json")
    assert response.json()["error"]["details"]["blockers"][0]["reason"] == "stale"

    ComplianceCheck.objects.all().delete()
    response = api_client.post(url, {"status": "ready"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["details"]["blockers"][0]["reason"] == "missing"


def test_changing_the_shipment_dates_makes_its_checks_stale(
    draft_to_milan, logistics_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        shipment_services.shipment_update(
            shipment=draft_to_milan,
            actor=logistics_officer,
            expected_arrival_on=dt.date(2029, 12, 20),
        )
    blockers = shipment_selectors.shipment_blockers(draft_to_milan)
    # The new dates were checked again on commit: still failing, but no longer stale.
    assert [b["reason"] for b in blockers] == ["fail"]
    check = ComplianceCheck.objects.get(lot=draft_to_milan.lines.get().lot, is_current=True)
    assert check.arrival_date == dt.date(2029, 12, 20)


def test_where_can_it_go_lists_every_sister_city(api_client, kn95_lot, coordinator):
    factories.SisterCityFactory(slug="busan", name="Busan", name_zh="釜山", country="KR")
    factories.SisterCityFactory(slug="phnom-penh", name="Phnom Penh", name_zh="金边", country="KH")
    api_client.force_authenticate(coordinator)
    rows = api_client.get(f"/api/v1/compliance/lots/{kn95_lot.pk}/destinations/").json()
    assert [row["city"] for row in rows] == ["busan", "milan", "phnom-penh"]
    assert all(row["result"] in ("pass", "warn", "fail") and row["findings"] for row in rows)
    assert (
        api_client.get(f"/api/v1/compliance/lots/{kn95_lot.pk + 99}/destinations/").status_code
        == 404
    )


def test_standards_are_readable_by_any_signed_in_user(api_client, catalogue, partner):
    api_client.force_authenticate(partner)
    body = api_client.get("/api/v1/standards/CN_GB2626_KN95/").json()
    assert (
        body["jurisdiction"] == "CN"
        and "non_oil_particle_respirators" in body["equivalence_groups"]
    )
