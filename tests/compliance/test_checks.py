import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from compliance import services
from compliance.models import ComplianceCheck, EquivalenceGroup, RuleSet, Standard
from compliance.tasks import rule_set_recheck_task
from sfiec.exceptions import DomainError

EXPORT, ARRIVAL = dt.date(2026, 12, 1), dt.date(2026, 12, 8)


def test_the_catalogue_holds_every_standard_of_the_brief(catalogue):
    from compliance.catalogue import shipped_catalogue

    # tests/compliance/test_rule_table.py checks the file against the brief's list.
    slugs = set(Standard.objects.values_list("slug", flat=True))
    assert set(shipped_catalogue().standards) <= slugs
    group = EquivalenceGroup.objects.get(slug="non_oil_particle_respirators")
    assert {"US_N95", "EU_EN149_FFP2", "CN_GB2626_KN95", "AU_P2", "JP_DS2"} <= set(
        group.members.values_list("slug", flat=True)
    )
    assert RuleSet.objects.get(is_active=True).version == "2020.2"


def test_a_check_is_stored_with_its_rule_set_version_and_findings(kn95_lot):
    check = services.lot_check_for_country(
        lot=kn95_lot, country="IT", export_date=EXPORT, arrival_date=ARRIVAL
    )
    assert check.result == "fail"
    assert check.rule_set.version == "2020.2"
    rules = {f["rule"] for f in check.findings if f["severity"] == "fail"}
    assert "EU-RESPIRATOR" in rules
    assert all(f["message_zh"] and f["source"] for f in check.findings)


def test_running_again_with_the_same_inputs_keeps_the_check(kn95_lot):
    first = services.lot_check_for_country(
        lot=kn95_lot, country="IT", export_date=EXPORT, arrival_date=ARRIVAL
    )
    again = services.lot_check_for_country(
        lot=kn95_lot, country="IT", export_date=EXPORT, arrival_date=ARRIVAL
    )
    assert again.pk == first.pk


def test_changed_inputs_supersede_the_check_and_keep_the_old_one(kn95_lot):
    first = services.lot_check_for_country(
        lot=kn95_lot, country="IT", export_date=EXPORT, arrival_date=ARRIVAL
    )
    kn95_lot.expires_on = dt.date(2027, 2, 1)
    kn95_lot.save()
    services.lot_inputs_changed(lot_id=kn95_lot.pk)
    first.refresh_from_db()
    assert first.is_stale

    second = services.lot_check_for_country(
        lot=kn95_lot, country="IT", export_date=EXPORT, arrival_date=ARRIVAL
    )
    first.refresh_from_db()
    assert second.pk != first.pk and second.is_current and not first.is_current
    assert "SHELF-SHORT-AT-ARRIVAL" in {f["rule"] for f in second.findings}


def test_receiving_a_lot_checks_it_for_its_preferred_destination(
    catalogue, milan, coordinator, django_capture_on_commit_callbacks
):
    from donations import services as donation_services
    from tests import factories

    lot = factories.LotFactory(
        standard=Standard.objects.get(slug="CN_GB2626_KN95"),
        offer=factories.OfferFactory(preferred_city=milan, status="accepted"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        donation_services.lot_intake(
            lot=lot, actor=coordinator, result="accepted", quantity_received=100
        )
    checks = ComplianceCheck.objects.filter(lot=lot, is_current=True)
    assert list(checks.values_list("country", "result")) == [("IT", "fail")]


def _edited(rules):
    edited = [dict(rule) for rule in rules]
    for rule in edited:
        if rule["id"] == "EU-RESPIRATOR":
            rule["severity"] = "warn"
    return edited


def test_editing_the_rules_makes_a_new_version_and_old_checks_stay_as_they_were(
    kn95_lot, compliance_officer, django_capture_on_commit_callbacks
):
    old = services.lot_check_for_country(
        lot=kn95_lot, country="IT", export_date=EXPORT, arrival_date=ARRIVAL
    )
    base = RuleSet.objects.get(is_active=True)

    with django_capture_on_commit_callbacks(execute=True):
        new = services.rule_set_revise(
            base=base,
            rules=_edited(base.rules),
            actor=compliance_officer,
            notes="EU respirators only warn",
        )

    assert new.version == "2020.2-r2" and new.is_active and new.based_on == base
    base.refresh_from_db()
    assert not base.is_active and base.rules != new.rules
    old.refresh_from_db()
    assert (old.rule_set, old.result, old.is_stale, old.is_current) == (base, "fail", True, False)
    current = ComplianceCheck.objects.get(lot=kn95_lot, country="IT", is_current=True)
    assert current.rule_set == new and not current.is_stale
    assert current.export_date == EXPORT


def test_an_invalid_edit_is_refused_and_names_the_rule(compliance_officer, catalogue):
    base = RuleSet.objects.get(is_active=True)
    rules = [dict(rule) for rule in base.rules]
    rules[0] = {**rules[0], "kind": "wishful_thinking"}
    with pytest.raises(DomainError, match=rules[0]["id"]):
        services.rule_set_revise(base=base, rules=rules, actor=compliance_officer, notes="broken")
    assert RuleSet.objects.count() == 2 and RuleSet.objects.get(is_active=True) == base


def test_the_recheck_task_skips_a_superseded_version(catalogue):
    assert rule_set_recheck_task(RuleSet.objects.get(is_active=True).pk + 999) == 0


def test_only_a_compliance_officer_may_override(kn95_lot, coordinator, manager, compliance_officer):
    check = services.lot_check_for_country(
        lot=kn95_lot, country="IT", export_date=EXPORT, arrival_date=ARRIVAL
    )
    for user in (coordinator, manager):
        with pytest.raises(PermissionDenied):
            services.check_override(check=check, actor=user, reason="x" * 40)
    with pytest.raises(DomainError, match="at least 20 characters"):
        services.check_override(check=check, actor=compliance_officer, reason="ok")
    check.refresh_from_db()
    assert not check.is_overridden

    services.check_override(
        check=check, actor=compliance_officer, reason="Accepted by Milan's ATS in writing"
    )
    check.refresh_from_db()
    assert check.overridden_by == compliance_officer and check.overridden_at is not None
    assert check.history.first().history_change_reason.startswith("override:")
    with pytest.raises(DomainError, match="already overridden"):
        services.check_override(
            check=check, actor=compliance_officer, reason="Accepted by Milan's ATS again"
        )


def test_a_passing_check_needs_no_override(catalogue, compliance_officer, coordinator, milan):
    from tests import factories

    lot = factories.LotFactory(category="gloves", standard=None)
    check = services.lot_check_for_country(
        lot=lot, country="IT", export_date=EXPORT, arrival_date=ARRIVAL
    )
    if check.result == "pass":
        with pytest.raises(DomainError, match="needs no override"):
            services.check_override(check=check, actor=compliance_officer, reason="x" * 30)
    else:
        services.check_override(check=check, actor=compliance_officer, reason="x" * 30)


def test_bulk_checks_use_a_bounded_number_of_queries(catalogue, django_assert_max_num_queries):
    from tests import factories

    offer = factories.OfferFactory()
    small = [factories.LotFactory(offer=offer).pk for _ in range(5)]
    large = [factories.LotFactory(offer=offer).pk for _ in range(60)]
    with django_assert_max_num_queries(12) as few:
        services.lots_check_for_destination(
            lot_ids=small, country="KR", export_date=EXPORT, arrival_date=ARRIVAL
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        checks = services.lots_check_for_destination(
            lot_ids=large, country="KR", export_date=EXPORT, arrival_date=ARRIVAL
        )
    assert len(checks) == 60


def test_a_new_certificate_makes_the_check_stale_and_it_is_run_again(
    kn95_lot, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from donations import services as donation_services
    from sfiec.uploads import upload_check

    before = ComplianceCheck.objects.get(lot=kn95_lot, is_current=True)
    pdf = SimpleUploadedFile("ce.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    with django_capture_on_commit_callbacks(execute=True):
        donation_services.attachment_add(
            lot=kn95_lot, kind="ce_certificate", upload=upload_check(pdf)
        )
    before.refresh_from_db()
    after = ComplianceCheck.objects.get(lot=kn95_lot, is_current=True)
    assert before.is_stale and not before.is_current
    assert after.pk != before.pk and not after.is_stale


def test_rule_set_files_load_once_and_name_their_file(catalogue):
    from compliance.services import rule_set_sync_files

    rule_set_sync_files()
    assert [
        (r.version, r.source_file, r.is_active) for r in RuleSet.objects.order_by("version")
    ] == [
        ("2020.1", "compliance/data/rulesets/2020.1.yaml", False),
        ("2020.2", "compliance/data/rulesets/2020.2.yaml", True),
    ]
    assert len(RuleSet.objects.get(is_active=True).rules) >= 25
