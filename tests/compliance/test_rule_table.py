"""The compliance rule table (rule set 2020.1) against cases drawn from the compliance brief.

Pure tests: no Django, no database. Each case names a lot, a destination and the export and
arrival dates, the overall result, and the findings (rule id -> severity) that must, or must
not, appear.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pytest
import yaml

from compliance.catalogue import (
    ATTACHMENT_KINDS,
    CATEGORIES,
    STANDARDS_FILE,
    load_catalogue,
    load_ruleset_file,
    ruleset_files,
)
from compliance.engine import (
    RESULT_FAIL,
    RESULT_PASS,
    RESULT_WARN,
    RULE_KINDS,
    DataError,
    Evaluation,
    LotFacts,
    RuleBook,
    load_rulebook,
    validate_rules,
)
from sfiec.choices import AttachmentKind, Category

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FAR_EXPIRY = date(2024, 12, 31)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def ruleset():
    """The newest shipped rule set, the one the engine loads by default."""
    return load_ruleset_file(ruleset_files()[-1])


@pytest.fixture(scope="module")
def rulebook(catalogue):
    return load_rulebook(catalogue=catalogue)


def lot(category="respirator_nonmedical", standard="CN_GB2626_KN95", *attachments, **extra):
    """A lot made in 2020 with five years of shelf life unless the case says otherwise."""
    return LotFacts(
        category=category,
        standard=standard,
        manufacture_date=extra.pop("manufacture_date", date(2020, 2, 1)),
        expiry_date=extra.pop("expiry_date", FAR_EXPIRY),
        attachments=frozenset(attachments),
        **extra,
    )


@dataclass(frozen=True)
class Case:
    id: str
    facts: LotFacts
    country: str
    export_date: date
    arrival_date: date
    result: str
    findings: dict[str, str] = field(default_factory=dict)  # rule id -> severity
    absent: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()  # text the findings' English messages must contain
    min_shelf_life_days: int | None = None


KN95_DECLARED = lot("respirator_nonmedical", "CN_GB2626_KN95", "export_declaration", "test_report")
YY0469_NMPA = lot("medical_mask", "CN_YY0469", "nmpa_registration", "export_declaration")
MAY_2020 = {"export_date": date(2020, 5, 1), "arrival_date": date(2020, 5, 15)}
NOV_2021 = {"export_date": date(2021, 11, 1), "arrival_date": date(2021, 11, 15)}

CASES = [
    # EU and Italy: CE marking, Recommendation (EU) 2020/403, DL 18/2020
    Case(
        "kn95_without_ce_italy_inside_rec_2020_403_window_warns",
        KN95_DECLARED,
        "IT",
        **MAY_2020,
        result=RESULT_WARN,
        findings={"EU-RESPIRATOR": "warn", "CN-ANN12-NONMEDICAL-MASK": "info"},
        mentions=("2020/403", "Italy", "CN_GB2626_KN95", "2020-03-13 to 2021-09-30"),
    ),
    Case(
        "kn95_without_ce_germany_after_rec_2020_403_window_fails",
        KN95_DECLARED,
        "DE",
        **NOV_2021,
        result=RESULT_FAIL,
        findings={"EU-RESPIRATOR": "fail"},
        mentions=("Germany", "CN_GB2626_KN95", "ce_certificate", "only 2020-03-13 to 2021-09-30"),
    ),
    Case(
        "kn95_without_ce_italy_after_rec_window_relies_on_dl18_inail",
        KN95_DECLARED,
        "IT",
        **NOV_2021,
        result=RESULT_WARN,
        findings={"EU-RESPIRATOR": "warn"},
        mentions=("DL 18/2020 art. 15", "INAIL"),
    ),
    Case(
        "kn95_without_test_report_italy_is_for_the_general_public_only",
        lot("respirator_nonmedical", "CN_GB2626_KN95", "export_declaration", "ce_certificate"),
        "IT",
        **NOV_2021,
        result=RESULT_WARN,
        findings={"EU-RESPIRATOR": "warn"},
        mentions=("art. 16(2)", "general public"),
    ),
    Case(
        "kn95_without_ce_italy_after_the_emergency_fails",
        KN95_DECLARED,
        "IT",
        export_date=date(2022, 5, 1),
        arrival_date=date(2022, 5, 20),
        result=RESULT_FAIL,
        findings={"EU-RESPIRATOR": "fail"},
        mentions=("only 2020-03-17 to 2022-03-31",),
    ),
    Case(
        "ffp2_with_ce_from_whitelisted_maker_passes_for_italy",
        lot(
            "respirator_nonmedical",
            "EU_EN149_FFP2",
            "ce_certificate",
            "export_declaration",
            manufacturer_whitelisted=True,
        ),
        "IT",
        **MAY_2020,
        result=RESULT_PASS,
        findings={"EU-RESPIRATOR": "info", "EU-DONATION-RELIEF": "info"},
    ),
    Case(
        "medical_mask_en14683_with_declaration_and_nmpa_passes_for_italy",
        lot(
            "medical_mask",
            "EU_EN14683",
            "eu_declaration_of_conformity",
            "nmpa_registration",
            "export_declaration",
        ),
        "IT",
        **MAY_2020,
        result=RESULT_PASS,
        findings={"EU-MEDICAL-MASK": "info", "CN-ANN5-NMPA": "info"},
    ),
    Case(
        "gb19082_clothing_for_germany_inside_rec_window_warns",
        lot(
            "protective_clothing",
            "CN_GB19082",
            "nmpa_registration",
            "export_declaration",
            "test_report",
        ),
        "DE",
        export_date=date(2020, 6, 1),
        arrival_date=date(2020, 6, 10),
        result=RESULT_WARN,
        findings={"EU-PROTECTIVE-CLOTHING": "warn", "CN-GACC53-INSPECTION": "info"},
        mentions=("EN 14126",),
    ),
    Case(
        "gloves_without_ce_for_france_fail_naming_the_missing_kinds",
        lot("gloves", None, "export_declaration"),
        "FR",
        **MAY_2020,
        result=RESULT_FAIL,
        findings={"EU-OTHER-PPE": "fail", "CN-GACC53-OTHER-GOODS": "warn"},
        mentions=(
            "needs one of ce_certificate, eu_declaration_of_conformity",
            "missing nmpa_registration",
        ),
    ),
    # Temporary admission routes, applied alike (rule set 2020.2, issue 7.5)
    Case(
        "yy0469_surgical_mask_with_nmpa_italy_may_2020_warns_not_fails",
        YY0469_NMPA,
        "IT",
        **MAY_2020,
        result=RESULT_WARN,
        findings={"EU-MEDICAL-MASK": "warn", "CN-ANN5-NMPA": "info"},
        mentions=("2020/403",),
    ),
    Case(
        "yy0469_surgical_mask_with_nmpa_italy_after_rec_window_relies_on_dl18_iss",
        YY0469_NMPA,
        "IT",
        **NOV_2021,
        result=RESULT_WARN,
        findings={"EU-MEDICAL-MASK": "warn"},
        mentions=("DL 18/2020 art. 15", "ISS"),
    ),
    Case(
        "yy0469_surgical_mask_with_nmpa_germany_after_rec_window_fails",
        YY0469_NMPA,
        "DE",
        **NOV_2021,
        result=RESULT_FAIL,
        findings={"EU-MEDICAL-MASK": "fail"},
        mentions=("only 2020-03-13 to 2021-09-30",),
    ),
    Case(
        "yy0469_surgical_mask_italy_after_the_emergency_fails",
        YY0469_NMPA,
        "IT",
        export_date=date(2022, 5, 1),
        arrival_date=date(2022, 5, 20),
        result=RESULT_FAIL,
        findings={"EU-MEDICAL-MASK": "fail"},
        mentions=("only 2020-03-17 to 2022-03-31",),
    ),
    Case(
        "gb19083_medical_respirator_with_nmpa_italy_uses_dl18_inail",
        lot("respirator_medical", "CN_GB19083", "nmpa_registration", "export_declaration"),
        "IT",
        **MAY_2020,
        result=RESULT_WARN,
        findings={"EU-RESPIRATOR": "warn", "CN-ANN5-NMPA": "info"},
        mentions=("INAIL",),
    ),
    Case(
        "niosh_approved_n95_without_ce_for_germany_inside_rec_window_warns",
        lot(
            "respirator_nonmedical",
            "US_N95",
            "niosh_approval",
            "export_declaration",
            manufacturer_whitelisted=True,
        ),
        "DE",
        **MAY_2020,
        result=RESULT_WARN,
        findings={"EU-RESPIRATOR": "warn"},
        mentions=("2020/403",),
    ),
    Case(
        "gb19082_clothing_with_nmpa_only_for_germany_inside_rec_window_warns",
        lot("protective_clothing", "CN_GB19082", "nmpa_registration", "export_declaration"),
        "DE",
        **MAY_2020,
        result=RESULT_WARN,
        findings={"EU-PROTECTIVE-CLOTHING": "warn"},
        mentions=("EN 14126",),
    ),
    Case(
        "surgical_mask_without_evidence_italy_is_for_the_general_public_only",
        lot("medical_mask", "CN_YY0469"),
        "IT",
        export_date=date(2020, 3, 25),
        arrival_date=date(2020, 4, 5),
        result=RESULT_WARN,
        findings={"EU-MEDICAL-MASK": "warn"},
        mentions=("art. 16(2)", "general public"),
    ),
    Case(
        "medical_respirator_without_evidence_italy_is_for_the_general_public_only",
        lot("respirator_medical", "CN_GB19083"),
        "IT",
        export_date=date(2020, 3, 25),
        arrival_date=date(2020, 4, 5),
        result=RESULT_WARN,
        findings={"EU-RESPIRATOR": "warn"},
        mentions=("art. 16(2)", "general public"),
    ),
    Case(
        "surgical_mask_without_evidence_france_fails",
        lot("medical_mask", "CN_YY0469"),
        "FR",
        export_date=date(2020, 3, 25),
        arrival_date=date(2020, 4, 5),
        result=RESULT_FAIL,
        findings={"EU-MEDICAL-MASK": "fail"},
        absent=("IT-ADM-WHITELIST",),
    ),
    Case(
        "korea_1st_class_respirator_for_us_on_exhibit_1_warns",
        lot(
            "respirator_nonmedical",
            "KR_1ST_CLASS",
            "fda_eua",
            "export_declaration",
            manufacturer_whitelisted=True,
        ),
        "US",
        **MAY_2020,
        result=RESULT_WARN,
        findings={"US-RESPIRATOR": "warn"},
        mentions=("Exhibit 1",),
    ),
    # China, export side: Announcements No. 5, No. 12 and GACC No. 53
    Case(
        "medical_mask_without_nmpa_exported_after_2020_04_01_fails",
        lot("medical_mask", "CN_YY0469", "test_report", "export_declaration"),
        "KH",
        export_date=date(2020, 4, 2),
        arrival_date=date(2020, 4, 20),
        result=RESULT_FAIL,
        findings={"CN-ANN5-NMPA": "fail"},
        mentions=("Announcement No. 5", "nmpa_registration"),
    ),
    Case(
        "medical_mask_without_nmpa_exported_before_2020_04_01_is_not_caught_by_ann5",
        lot("medical_mask", "CN_YY0469", "test_report"),
        "KH",
        export_date=date(2020, 3, 25),
        arrival_date=date(2020, 4, 5),
        result=RESULT_PASS,
        absent=("CN-ANN5-NMPA", "CN-GACC53-INSPECTION"),
    ),
    Case(
        "medical_mask_with_ce_from_whitelisted_maker_uses_ann12_part_two",
        lot(
            "medical_mask",
            "EU_EN14683",
            "eu_declaration_of_conformity",
            "export_declaration",
            manufacturer_whitelisted=True,
        ),
        "ES",
        **MAY_2020,
        result=RESULT_PASS,
        findings={"CN-ANN5-NMPA": "info"},
        mentions=("part II",),
    ),
    Case(
        "medical_mask_with_ce_but_no_nmpa_before_ann12_fails",
        lot(
            "medical_mask",
            "EU_EN14683",
            "eu_declaration_of_conformity",
            "export_declaration",
            manufacturer_whitelisted=True,
        ),
        "ES",
        export_date=date(2020, 4, 15),
        arrival_date=date(2020, 4, 25),
        result=RESULT_FAIL,
        findings={"CN-ANN5-NMPA": "fail"},
        mentions=("only from 2020-04-26",),
    ),
    Case(
        "foreign_standard_mask_from_non_whitelisted_maker_fails_ann12",
        lot("respirator_nonmedical", "EU_EN149_FFP2", "ce_certificate", "export_declaration"),
        "IT",
        **MAY_2020,
        result=RESULT_FAIL,
        findings={"CN-ANN12-NONMEDICAL-MASK": "fail", "EU-RESPIRATOR": "info"},
        mentions=("manufacturer not on the export whitelist",),
    ),
    Case(
        "non_medical_mask_exported_before_ann12_needs_no_joint_declaration",
        lot("respirator_nonmedical", "EU_EN149_FFP2", "ce_certificate"),
        "IT",
        export_date=date(2020, 4, 20),
        arrival_date=date(2020, 4, 30),
        result=RESULT_PASS,
        absent=("CN-ANN12-NONMEDICAL-MASK",),
    ),
    Case(
        "sanitiser_declared_as_medical_disinfectant_is_on_the_gacc53_list",
        lot("sanitiser", None, "test_report", hs_code="3808940010"),
        "KH",
        **MAY_2020,
        result=RESULT_WARN,
        findings={"CN-GACC53-INSPECTION": "info", "KH-EVIDENCE": "warn"},
        mentions=("3808940010 (medical disinfectant)",),
    ),
    Case(
        "test_kits_need_special_article_quarantine_approval",
        lot("test_kit", None, "nmpa_registration", "export_declaration"),
        "KH",
        **MAY_2020,
        result=RESULT_WARN,
        findings={"CN-GACC53-TEST-KIT-QUARANTINE": "warn", "CN-ANN5-NMPA": "info"},
    ),
    # Korea
    Case(
        "kf94_with_mfds_approval_passes_for_korea",
        lot(
            "respirator_nonmedical",
            "KR_KF94",
            "mfds_approval",
            "export_declaration",
            manufacturer_whitelisted=True,
        ),
        "KR",
        **MAY_2020,
        result=RESULT_PASS,
        findings={
            "KR-MASK-QUASI-DRUG": "info",
            "KR-MASK-ZERO-DUTY-2020": "info",
            "KR-DONATION-EXEMPTION": "info",
        },
    ),
    Case(
        "kf94_without_mfds_approval_fails_for_korea",
        lot("respirator_nonmedical", "KR_KF94", "export_declaration", "test_report"),
        "KR",
        export_date=date(2020, 8, 1),
        arrival_date=date(2020, 8, 5),
        result=RESULT_FAIL,
        findings={"KR-MASK-QUASI-DRUG": "fail"},
        absent=("KR-MASK-ZERO-DUTY-2020",),
        mentions=("missing mfds_approval", "quasi-drugs"),
    ),
    Case(
        "kn95_for_korea_warns_about_the_quasi_drug_check",
        KN95_DECLARED,
        "KR",
        **MAY_2020,
        result=RESULT_WARN,
        findings={"KR-MASK-QUASI-DRUG": "warn"},
        mentions=("not a KF quasi-drug",),
    ),
    Case(
        "gb19083_medical_respirator_for_korea_fails",
        lot(
            "respirator_medical",
            "CN_GB19083",
            "nmpa_registration",
            "export_declaration",
            "test_report",
        ),
        "KR",
        **MAY_2020,
        result=RESULT_FAIL,
        findings={"KR-MASK-QUASI-DRUG": "fail", "CN-ANN5-NMPA": "info"},
    ),
    # United States
    Case(
        "kn95_for_us_on_appendix_a_inside_its_window_warns",
        lot("respirator_nonmedical", "CN_GB2626_KN95", "fda_eua", "export_declaration"),
        "US",
        export_date=date(2020, 5, 20),
        arrival_date=date(2020, 6, 1),
        result=RESULT_WARN,
        findings={"US-RESPIRATOR": "warn"},
        mentions=("Appendix A", "2020-04-03 to 2020-10-15"),
    ),
    Case(
        "kn95_for_us_without_eua_fails_naming_niosh_and_fda_eua",
        KN95_DECLARED,
        "US",
        export_date=date(2020, 5, 20),
        arrival_date=date(2020, 6, 1),
        result=RESULT_FAIL,
        findings={"US-RESPIRATOR": "fail"},
        mentions=("niosh_approval", "fda_eua", "United States"),
    ),
    Case(
        "kn95_for_us_after_appendix_a_was_frozen_fails",
        lot("respirator_nonmedical", "CN_GB2626_KN95", "fda_eua", "export_declaration"),
        "US",
        export_date=date(2020, 11, 1),
        arrival_date=date(2020, 11, 10),
        result=RESULT_FAIL,
        findings={"US-RESPIRATOR": "fail"},
        mentions=("only 2020-04-03 to 2020-10-15",),
    ),
    Case(
        "niosh_n95_from_whitelisted_maker_passes_for_us",
        lot(
            "respirator_medical",
            "US_N95",
            "niosh_approval",
            "nmpa_registration",
            "export_declaration",
            manufacturer_whitelisted=True,
        ),
        "US",
        **NOV_2021,
        result=RESULT_PASS,
        findings={"US-RESPIRATOR": "info"},
    ),
    Case(
        "medical_masks_for_us_have_no_rule_and_warn",
        lot("medical_mask", "US_ASTM_F2100", "nmpa_registration", "export_declaration"),
        "US",
        **MAY_2020,
        result=RESULT_WARN,
        findings={"DEST-UNRULED-CATEGORY": "warn"},
        mentions=("United States", "check it manually"),
    ),
    # Cambodia
    Case(
        "gb19082_clothing_with_evidence_passes_for_cambodia",
        lot(
            "protective_clothing",
            "CN_GB19082",
            "nmpa_registration",
            "export_declaration",
            "test_report",
        ),
        "KH",
        **MAY_2020,
        result=RESULT_PASS,
        findings={"KH-DONATION-EXEMPTION": "info"},
        absent=("KH-EVIDENCE", "DEST-UNRULED-CATEGORY"),
    ),
    Case(
        "goggles_without_standard_or_evidence_warn_for_cambodia",
        lot("goggles", None, "nmpa_registration", "export_declaration"),
        "KH",
        **MAY_2020,
        result=RESULT_WARN,
        findings={"KH-EVIDENCE": "warn", "CN-GACC53-INSPECTION": "info"},
        mentions=("no declared standard", "9004909000"),
    ),
    # No destination profile
    Case(
        "country_without_a_profile_warns_instead_of_passing",
        lot("respirator_nonmedical", "JP_DS2", "test_report"),
        "JP",
        export_date=date(2020, 4, 20),
        arrival_date=date(2020, 4, 30),
        result=RESULT_WARN,
        findings={"DEST-UNPROFILED": "warn"},
        absent=("DEST-UNRULED-CATEGORY",),
        mentions=("JP",),
    ),
    # Shelf life
    Case(
        "lot_expiring_five_months_after_arrival_warns",
        lot(
            "gloves",
            None,
            "ce_certificate",
            "nmpa_registration",
            "export_declaration",
            manufacture_date=date(2017, 10, 15),
            expiry_date=date(2020, 10, 15),
        ),
        "IT",
        **MAY_2020,
        result=RESULT_WARN,
        findings={"SHELF-SHORT-AT-ARRIVAL": "warn"},
        absent=("SHELF-EXPIRED-AT-ARRIVAL",),
        mentions=("Only 153 days", "at least 365 days"),
    ),
    Case(
        "lot_expiring_five_months_after_arrival_passes_with_a_lower_threshold",
        lot(
            "gloves",
            None,
            "ce_certificate",
            "nmpa_registration",
            "export_declaration",
            manufacture_date=date(2017, 10, 15),
            expiry_date=date(2020, 10, 15),
        ),
        "IT",
        **MAY_2020,
        min_shelf_life_days=120,
        result=RESULT_PASS,
        absent=("SHELF-SHORT-AT-ARRIVAL",),
    ),
    Case(
        "lot_expired_at_arrival_fails",
        lot(
            "gloves",
            None,
            "ce_certificate",
            "nmpa_registration",
            "export_declaration",
            expiry_date=date(2020, 5, 10),
        ),
        "IT",
        **MAY_2020,
        result=RESULT_FAIL,
        findings={"SHELF-EXPIRED-AT-ARRIVAL": "fail"},
        absent=("SHELF-SHORT-AT-ARRIVAL",),
        mentions=("expired on 2020-05-10, 5 days before",),
    ),
    Case(
        "short_lived_sanitiser_with_half_its_life_left_is_fine",
        lot(
            "sanitiser",
            None,
            "test_report",
            manufacture_date=date(2020, 1, 1),
            expiry_date=date(2020, 10, 27),
        ),
        "KH",
        **MAY_2020,
        result=RESULT_WARN,  # only KH-EVIDENCE: no declared standard
        findings={"KH-EVIDENCE": "warn"},
        absent=("SHELF-SHORT-AT-ARRIVAL",),
    ),
    Case(
        "short_lived_sanitiser_with_less_than_half_its_life_left_warns",
        lot(
            "sanitiser",
            "CN_YY0469",
            "test_report",
            manufacture_date=date(2019, 10, 1),
            expiry_date=date(2020, 7, 27),
        ),
        "KH",
        **MAY_2020,
        result=RESULT_WARN,
        findings={"SHELF-SHORT-AT-ARRIVAL": "warn", "DOC-STANDARD-CATEGORY": "warn"},
        mentions=("Only 73 days", "at least 150 days"),
    ),
    Case(
        "gloves_without_expiry_date_warn",
        lot(
            "gloves",
            None,
            "ce_certificate",
            "nmpa_registration",
            "export_declaration",
            expiry_date=None,
        ),
        "IT",
        **MAY_2020,
        result=RESULT_WARN,
        findings={"SHELF-EXPIRY-UNKNOWN": "warn"},
    ),
    # Completeness
    Case(
        "hs_code_unknown_for_category_other_fails",
        lot("other", None, "test_report"),
        "KH",
        **MAY_2020,
        result=RESULT_FAIL,
        findings={"DOC-HS-CODE": "fail"},
        mentions=("category 'other'",),
    ),
    Case(
        "hs_code_set_on_a_lot_of_category_other_is_enough",
        lot("other", None, "test_report", hs_code="6505.00"),
        "KH",
        **MAY_2020,
        result=RESULT_WARN,  # KH-EVIDENCE only
        absent=("DOC-HS-CODE",),
    ),
    Case(
        "malformed_hs_code_fails",
        lot(
            "goggles",
            None,
            "ce_certificate",
            "nmpa_registration",
            "export_declaration",
            hs_code="90x4",
        ),
        "IT",
        **MAY_2020,
        result=RESULT_FAIL,
        findings={"DOC-HS-CODE": "fail"},
        mentions=("'90x4' is not a valid code",),
    ),
    Case(
        "respirator_without_any_evidence_for_its_standard_warns",
        lot(
            "respirator_nonmedical",
            "KR_1ST_CLASS",
            "export_declaration",
            manufacturer_whitelisted=True,
        ),
        "KR",
        export_date=date(2020, 8, 1),
        arrival_date=date(2020, 8, 10),
        result=RESULT_WARN,
        findings={"DOC-STANDARD-EVIDENCE": "warn", "KR-MASK-QUASI-DRUG": "warn"},
        mentions=("missing one of ce_certificate, eu_declaration_of_conformity",),
    ),
    Case(
        "standard_of_another_category_warns",
        lot("gloves", "CN_YY0469", "ce_certificate", "nmpa_registration", "export_declaration"),
        "IT",
        **MAY_2020,
        result=RESULT_WARN,
        findings={"DOC-STANDARD-CATEGORY": "warn"},
        mentions=("CN_YY0469 is not a catalogued standard for gloves",),
    ),
]


def test_the_table_is_broad_enough():
    assert len(CASES) >= 25
    assert len({case.id for case in CASES}) == len(CASES)
    assert {case.country for case in CASES} >= {"IT", "DE", "KR", "KH", "US", "JP"}
    assert len({case.facts.category for case in CASES}) >= 9


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_rule_table(rulebook, case):
    evaluation = rulebook.evaluate(
        case.facts,
        country=case.country,
        export_date=case.export_date,
        arrival_date=case.arrival_date,
        min_shelf_life_days=case.min_shelf_life_days,
    )
    found = {finding.rule: finding.severity for finding in evaluation.findings}
    report = "\n".join(f"{f.severity} {f.rule}: {f.message}" for f in evaluation.findings)
    assert evaluation.result == case.result, report
    for rule_id, severity in case.findings.items():
        assert found.get(rule_id) == severity, f"{rule_id}\n{report}"
    for rule_id in case.absent:
        assert rule_id not in found, f"{rule_id}\n{report}"
    messages = " ".join(finding.message for finding in evaluation.findings)
    for text in case.mentions:
        assert text in messages, f"{text!r}\n{report}"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_every_finding_is_bilingual_and_sourced(rulebook, case):
    evaluation = rulebook.evaluate(
        case.facts,
        country=case.country,
        export_date=case.export_date,
        arrival_date=case.arrival_date,
    )
    for finding in evaluation.findings:
        assert finding.severity in ("info", "warn", "fail")
        assert finding.message and finding.source
        assert any("\u4e00" <= char <= "\u9fff" for char in finding.message_zh)
        assert "{" not in finding.message + finding.message_zh


def test_evaluate_many_matches_evaluate_one_by_one(rulebook):
    lots = [case.facts for case in CASES] * 3
    dates = {"export_date": date(2020, 5, 1), "arrival_date": date(2020, 5, 15)}
    for country in ("IT", "KR", "KH", "US", "JP"):
        many = rulebook.evaluate_many(lots, country=country, **dates)
        assert many == [rulebook.evaluate(facts, country=country, **dates) for facts in lots]


def test_a_lot_with_only_info_findings_passes(rulebook):
    facts = lot(
        "respirator_nonmedical",
        "CN_GB2626_KN95",
        "export_declaration",
        "ce_certificate",
        "test_report",
    )
    evaluation = rulebook.evaluate(facts, country="KH", **MAY_2020)
    assert evaluation.findings
    assert {finding.severity for finding in evaluation.findings} == {"info"}
    assert evaluation.result == RESULT_PASS


def test_evaluation_as_dict_has_the_stable_shape(rulebook):
    evaluation = rulebook.evaluate(KN95_DECLARED, country="DE", **NOV_2021)
    data = evaluation.as_dict()
    assert set(data) == {"result", "findings"}
    assert data["result"] == RESULT_FAIL
    assert all(
        set(finding) == {"rule", "severity", "message", "message_zh", "source"}
        for finding in data["findings"]
    )
    json.dumps(data)


def test_attachments_given_as_a_list_are_accepted(rulebook):
    as_list = LotFacts(
        category="respirator_nonmedical",
        standard="CN_GB2626_KN95",
        manufacture_date=None,
        expiry_date=FAR_EXPIRY,
        attachments=["export_declaration", "test_report"],  # type: ignore[arg-type]
    )
    assert as_list.attachments == frozenset({"export_declaration", "test_report"})
    assert rulebook.evaluate(as_list, country="IT", **MAY_2020).result == RESULT_WARN


def test_country_code_is_case_insensitive(rulebook):
    upper = rulebook.evaluate(KN95_DECLARED, country="IT", **MAY_2020)
    assert rulebook.evaluate(KN95_DECLARED, country="it", **MAY_2020) == upper


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"country": "ITA"}, "ISO 3166-1 alpha-2"),
        ({"arrival_date": date(2020, 4, 1)}, "before export_date"),
        ({"facts": replace(KN95_DECLARED, category="masks")}, "unknown category 'masks'"),
        ({"min_shelf_life_days": -1}, "min_shelf_life_days"),
    ],
)
def test_evaluate_rejects_bad_input(rulebook, change, message):
    arguments = {"facts": KN95_DECLARED, "country": "IT", **MAY_2020, **change}
    facts = arguments.pop("facts")
    with pytest.raises(ValueError, match=message):
        rulebook.evaluate(facts, **arguments)


# --------------------------------------------------------------------------- rule validation


def _edited(ruleset, rule_id, edit):
    rules = copy.deepcopy(ruleset["rules"])
    edit(next(rule for rule in rules if rule["id"] == rule_id))
    return rules


def _path(ruleset, rule_id, field):
    index = next(i for i, rule in enumerate(ruleset["rules"]) if rule["id"] == rule_id)
    return f"rules[{index}].{field}: "


# (rule id, edit, path below the rule, words the message must contain)
INVALID_RULES = [
    ("CN-ANN5-NMPA", lambda r: r.update(kind="export_ban"), "kind", "export_requirement"),
    ("CN-ANN5-NMPA", lambda r: r.pop("kind"), "kind", "kind"),
    ("CN-ANN5-NMPA", lambda r: r.pop("source"), "source", "Field required"),
    ("CN-ANN5-NMPA", lambda r: r.pop("message_zh"), "message_zh", "Field required"),
    ("CN-ANN5-NMPA", lambda r: r.update(effective_from="2020-04-31"), "effective_from", "date"),
    ("CN-ANN5-NMPA", lambda r: r.update(effective_from=None), "effective_from", "date"),
    ("CN-ANN5-NMPA", lambda r: r.update(effective_from=20200401), "effective_from", "date"),
    ("CN-ANN5-NMPA", lambda r: r.update(effective_to="2020-03-01"), "effective_to", "before"),
    ("CN-ANN5-NMPA", lambda r: r.update(severity="error"), "severity", "'fail'"),
    ("CN-ANN5-NMPA", lambda r: r.update(source_status="NF"), "source_status", "'I'"),
    ("CN-ANN5-NMPA", lambda r: r.update(title=["a", "list"]), "title", "text"),
    ("CN-ANN5-NMPA", lambda r: r.update(message="{lot_number} failed"), "message", "lot_number"),
    ("CN-ANN5-NMPA", lambda r: r.update(message_zh="Not Chinese"), "message_zh", "Chinese"),
    ("CN-ANN5-NMPA", lambda r: r.update(colour="red"), "colour", "Extra inputs"),
    ("CN-ANN5-NMPA", lambda r: r["applies_to"].update(side="destination"), "applies_to.side", ""),
    (
        "CN-ANN5-NMPA",
        lambda r: r["applies_to"].update(categories=["masks"]),
        "applies_to.categories[0]",
        "respirator_nonmedical",
    ),
    (
        "EU-RESPIRATOR",
        lambda r: r["applies_to"].update(countries=["XX"]),
        "applies_to.countries[0]",
        "unknown country",
    ),
    (
        "EU-RESPIRATOR",
        lambda r: r["params"]["routes"][0].update(standards=["EN_999"]),
        "params.routes[0].standards[0]",
        "unknown standard 'EN_999'",
    ),
    (
        "EU-RESPIRATOR",
        lambda r: r["params"]["routes"][1].update(groups=["n95ish"]),
        "params.routes[1].groups[0]",
        "unknown group",
    ),
    (
        "EU-RESPIRATOR",
        lambda r: r["params"]["routes"][0].update(attachments_all=["invoice"]),
        "params.routes[0].attachments_all[0]",
        "ce_certificate",
    ),
    (
        "EU-RESPIRATOR",
        lambda r: r["params"]["routes"][1].update(effective_to="2019-01-01"),
        "params.routes[1].effective_to",
        "before",
    ),
    (
        "EU-RESPIRATOR",
        lambda r: r["params"]["routes"][1].update(whitelisted="yes"),
        "params.routes[1].whitelisted",
        "boolean",
    ),
    (
        "EU-RESPIRATOR",
        lambda r: r["params"]["routes"][1].pop("message_zh"),
        "params.routes[1].message_zh",
        "required",
    ),
    (
        "EU-RESPIRATOR",
        lambda r: r["params"]["routes"][1].update(title_zh="Temporary admission"),
        "params.routes[1].title_zh",
        "Chinese",
    ),
    (
        "EU-RESPIRATOR",
        lambda r: r["params"]["routes"][0].update(categories=["gloves"]),
        "params.routes[0].categories",
        "outside",
    ),
    ("EU-RESPIRATOR", lambda r: r["params"].update(routes=[]), "params.routes", "at least 1"),
    ("SHELF-SHORT-AT-ARRIVAL", lambda r: r["params"].update(check="soon"), "params.check", ""),
    (
        "SHELF-SHORT-AT-ARRIVAL",
        lambda r: r["params"].update(default_min_days="a year"),
        "params.default_min_days",
        "integer",
    ),
    (
        "SHELF-SHORT-AT-ARRIVAL",
        lambda r: r["params"].update(short_life_fraction=2),
        "params.short_life_fraction",
        "(0, 1]",
    ),
    (
        "CN-GACC53-INSPECTION",
        lambda r: r["params"]["codes"].update({"6307.90": {"label": "x", "label_zh": "口罩"}}),
        "params.codes.6307.90",
        "10-digit",
    ),
    (
        "DOC-STANDARD-EVIDENCE",
        lambda r: r["params"].update(minimum=2),
        "params.minimum",
        "Extra inputs",
    ),
    ("DOC-STANDARD-EVIDENCE", lambda r: r["params"].pop("any_of"), "params.all_of", "any_of"),
    ("DEST-UNPROFILED", lambda r: r["params"].update(check="x"), "params.check", "Extra inputs"),
]


@pytest.mark.parametrize(
    ("rule_id", "edit", "field", "words"),
    INVALID_RULES,
    ids=[f"{case[0]}:{case[2]}:{n}" for n, case in enumerate(INVALID_RULES)],
)
def test_invalid_rules_are_refused_naming_their_path(
    ruleset, catalogue, rule_id, edit, field, words
):
    rules = _edited(ruleset, rule_id, edit)
    with pytest.raises(ValueError) as excinfo:
        RuleBook.from_data(version="test", rules=rules, catalogue=catalogue)
    message = str(excinfo.value)
    line = next(
        (line for line in message.splitlines() if _path(ruleset, rule_id, field) in line), ""
    )
    assert line, message
    assert words in line and f"(rule {rule_id!r})" in line, message


def test_the_loader_refuses_a_rule_set_file_naming_the_path(tmp_path, ruleset, catalogue):
    data = copy.deepcopy(ruleset)
    data["rules"][2]["colour"] = "red"  # unknown key
    data["rules"][3]["effective_from"] = ["2020"]  # wrong type
    del data["rules"][4]["message_zh"]  # missing Chinese message
    data["surprise"] = True
    path = tmp_path / "2099.1.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataError) as excinfo:
        load_ruleset_file(path, catalogue)
    problems = excinfo.value.problems
    assert any(p.startswith("2099.1.yaml: rules[2].colour: Extra inputs") for p in problems)
    assert any(p.startswith("2099.1.yaml: rules[3].effective_from: ") for p in problems)
    assert any(p.startswith("2099.1.yaml: rules[4].message_zh: Field required") for p in problems)
    assert any(p.startswith("2099.1.yaml: surprise: Extra inputs") for p in problems)
    with pytest.raises(DataError, match=r"rules\[4\]\.message_zh"):
        load_rulebook(path, catalogue)


def test_the_shipped_rule_set_files_are_valid(catalogue):
    for path in ruleset_files():
        assert load_ruleset_file(path, catalogue)["rules"]


def test_a_rule_list_that_is_not_a_list_is_refused(catalogue):
    with pytest.raises(DataError, match="rules: Input should be a valid list"):
        validate_rules({"id": "X"}, catalogue)


def test_duplicate_rule_ids_are_rejected(ruleset, catalogue):
    rules = copy.deepcopy(ruleset["rules"])
    rules.append(copy.deepcopy(rules[0]))
    with pytest.raises(ValueError, match=rf"rules\[{len(rules) - 1}\]\.id: duplicate rule id"):
        validate_rules(rules, catalogue)


# --------------------------------------------------------------------------- catalogue file


def _catalogue_data():
    return yaml.safe_load(STANDARDS_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (lambda d: d["standards"][0].update(colour="red"), "standards[0].colour: Extra inputs"),
        (lambda d: d["standards"][1].update(category="gloves"), "standards[1].category: "),
        (lambda d: d["standards"][2].update(category=["masks"]), "standards[2].category[0]: "),
        (lambda d: d["standards"][3].pop("source"), "standards[3].source: Field required"),
        (lambda d: d["categories"]["gloves"].pop("label_zh"), "categories.gloves.label_zh: Field"),
        (
            lambda d: d["categories"]["gloves"].update(label_zh="gloves"),
            "categories.gloves.label_zh: must be written in Chinese",
        ),
        (lambda d: d["categories"]["gloves"].update(cn=None), "categories.gloves.cn: required"),
        (lambda d: d["categories"].pop("gloves"), "categories: missing gloves"),
        (lambda d: d["attachment_kinds"].pop("photo"), "attachment_kinds: missing photo"),
        (
            lambda d: d["attachment_kinds"].update(invoice={"label": "x", "label_zh": "发票"}),
            "attachment_kinds.invoice: ",
        ),
        (
            lambda d: d["countries"]["IT"].update(min_shelf_life_days="365"),
            "countries.IT.min_shelf_life_days: ",
        ),
        (lambda d: d["countries"].update(ITA=d["countries"]["IT"]), "countries.ITA: must be"),
        (
            lambda d: d["equivalences"][0]["members"].append("EN_999"),
            "equivalences[0].members[6]: unknown standard 'EN_999'",
        ),
    ],
)
def test_an_invalid_catalogue_is_refused_naming_the_path(tmp_path, edit, path):
    data = _catalogue_data()
    edit(data)
    file = tmp_path / "standards.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataError) as excinfo:
        load_catalogue(file)
    assert any(p.startswith(f"standards.yaml: {path}") for p in excinfo.value.problems), str(
        excinfo.value
    )


def test_the_vocabularies_are_those_of_sfiec_choices(catalogue):
    assert CATEGORIES == tuple(Category.values)
    assert ATTACHMENT_KINDS == tuple(AttachmentKind.values)
    assert set(catalogue.hs_codes) == set(Category.values)
    assert set(catalogue.attachment_kinds) == set(AttachmentKind.values)
    source = (PROJECT_ROOT / "compliance" / "catalogue.py").read_text(encoding="utf-8")
    assert '"respirator_nonmedical"' not in source and '"ce_certificate"' not in source


def test_rules_survive_a_json_round_trip(ruleset, catalogue, rulebook):
    stored = json.loads(json.dumps(ruleset))
    from_json = RuleBook.from_data(
        version=stored["version"], rules=stored["rules"], catalogue=catalogue
    )
    assert from_json.rule_ids == rulebook.rule_ids
    evaluation = from_json.evaluate(KN95_DECLARED, country="IT", **MAY_2020)
    assert evaluation == rulebook.evaluate(KN95_DECLARED, country="IT", **MAY_2020)


# --------------------------------------------------------------------------- the data


@pytest.mark.parametrize("path", ruleset_files(), ids=lambda path: path.name)
def test_shipped_rule_sets_are_versioned_by_file_and_every_rule_is_sourced(path, catalogue):
    data = load_ruleset_file(path, catalogue)
    assert data["version"] == path.stem
    kinds_used = set()
    for rule in data["rules"]:
        kinds_used.add(rule["kind"])
        assert "effective_from" in rule and "effective_to" in rule
        if rule["source_status"] != "I":
            assert "http" in rule["source"] and "S" in rule["source"], rule["id"]
    assert kinds_used == set(RULE_KINDS)


def test_the_versions_shipped_are_2020_1_and_2020_2(rulebook):
    assert [path.name for path in ruleset_files()] == ["2020.1.yaml", "2020.2.yaml"]
    assert rulebook.version == "2020.2"


TEMPORARY_ADMISSION = ("rec2020_403", "it_dl18_art15_inail", "it_dl18_art15_iss")


def test_every_temporary_admission_route_asks_for_the_same_evidence(ruleset):
    """Recommendation (EU) 2020/403 and DL 18/2020 art. 15 accept a test report or the
    registration or approval of the declared standard, whatever the category."""
    evidence = set()
    routes = []
    for rule in ruleset["rules"]:
        for route in rule["params"].get("routes", ()):
            if route["id"] in TEMPORARY_ADMISSION:
                routes.append((rule["id"], route["id"]))
                assert "attachments_all" not in route, (rule["id"], route["id"])
                evidence.add(frozenset(route["attachments_any"]))
    assert len(routes) == 8
    assert evidence == {
        frozenset({"test_report", "nmpa_registration", "niosh_approval", "mfds_approval"})
    }


def test_the_2020_1_rule_set_still_fails_the_surgical_mask_it_did(catalogue):
    """Checks made under 2020.1 keep meaning what they said: the fix is a new version."""
    old = load_rulebook(ruleset_files()[0], catalogue)
    assert old.version == "2020.1"
    evaluation = old.evaluate(YY0469_NMPA, country="IT", **MAY_2020)
    assert evaluation.result == RESULT_FAIL
    assert {f.rule: f.severity for f in evaluation.findings}["EU-MEDICAL-MASK"] == "fail"


def test_catalogue_has_every_standard_of_the_brief(catalogue):
    expected = {
        "CN_GB2626_KN95",
        "CN_GB19083",
        "CN_YY0469",
        "CN_YYT0969",
        "CN_GB19082",
        "EU_EN149_FFP2",
        "EU_EN14683",
        "EU_EN14126",
        "EU_REC2020_403",
        "US_N95",
        "US_ASTM_F2100",
        "KR_KF94",
        "KR_1ST_CLASS",
        "JP_DS2",
        "AU_P2",
        "IT_DL18",
    }
    assert set(catalogue.standards) == expected
    assert catalogue.standards["KR_1ST_CLASS"].status == "P"
    assert all(set(spec.category) <= set(CATEGORIES) for spec in catalogue.standards.values())


def test_n95_equivalence_group_follows_the_3m_bulletin_and_excludes_kf94(catalogue):
    group = catalogue.equivalence("non_oil_particle_respirators")
    assert set(group.members) == {
        "US_N95",
        "EU_EN149_FFP2",
        "CN_GB2626_KN95",
        "AU_P2",
        "KR_1ST_CLASS",
        "JP_DS2",
    }
    assert group.status == "V"
    assert "KR_KF94" not in group.members
    assert catalogue.equivalence("fluid_resistant_surgical_masks").status == "I"
    assert catalogue.equivalence("infective_agent_clothing").status == "P"


def test_gacc53_categories_match_the_inspection_codes(catalogue, ruleset):
    inspection = next(r for r in ruleset["rules"] if r["id"] == "CN-GACC53-INSPECTION")
    codes = inspection["params"]["codes"]
    assert len(codes) == 19
    for category, entry in catalogue.hs_codes.items():
        if entry["gacc53"]:
            assert entry["cn"] in codes, category
    assert catalogue.hs_codes["other"]["hs"] is None


def test_catalogue_labels_every_attachment_kind_and_profiles_eu_members(catalogue):
    assert set(catalogue.attachment_kinds) == set(ATTACHMENT_KINDS)
    assert catalogue.countries["IT"]["profile"] == "EU"
    assert sum(1 for c in catalogue.countries.values() if c["profile"] == "EU") == 27
    assert {"KR", "KH", "US"} <= set(catalogue.countries)
    assert "JP" not in catalogue.countries


ENGINE_MODULES = [
    "datafile.py",
    "catalogue.py",
    *(f"engine/{p.name}" for p in (PROJECT_ROOT / "compliance" / "engine").glob("*.py")),
]


@pytest.mark.parametrize("name", ENGINE_MODULES)
def test_engine_and_catalogue_do_not_import_django(name):
    """They read the shared vocabularies (sfiec.choices) and nothing else of Django."""
    tree = ast.parse((PROJECT_ROOT / "compliance" / name).read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(module and module.startswith("django") for module in imported), name
    assert not any(
        module and module.startswith("sfiec") and module != "sfiec.choices" for module in imported
    )


def test_engine_runs_without_django_settings():
    script = (
        "import datetime as dt; from compliance.engine import LotFacts, load_rulebook; "
        "book = load_rulebook(); "
        "print(book.evaluate(LotFacts('gloves', None, None, None, frozenset()), country='IT', "
        "export_date=dt.date(2020, 5, 1), arrival_date=dt.date(2020, 5, 9)).result)"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "fail"


def test_evaluations_are_immutable(rulebook):
    evaluation = rulebook.evaluate(KN95_DECLARED, country="IT", **MAY_2020)
    assert isinstance(evaluation, Evaluation)
    with pytest.raises(AttributeError):
        evaluation.result = RESULT_PASS  # type: ignore[misc]


def test_every_placeholder_the_schema_allows_has_a_value():
    from compliance.engine import kinds, schema

    assert set(kinds._PLACEHOLDER_VALUES) == schema.BASE_PLACEHOLDERS
    assert set(kinds.CHECKS) | {"export_requirement", "destination_accepts"} | {
        "unprofiled_country",
        "destination_unruled",
    } == set(RULE_KINDS)


def _window_days(ruleset) -> set[date]:
    """Every day a window of a rule or of one of its routes opens or closes."""
    days = set()
    for rule in ruleset["rules"]:
        windows = [rule] + list(rule.get("params", {}).get("routes", []))
        for window in windows:
            for key in ("effective_from", "effective_to"):
                if window.get(key):
                    days.add(date.fromisoformat(str(window[key])))
    return days


def test_plans_shared_across_dates_judge_as_a_plan_made_for_those_dates(rulebook, ruleset):
    """One rule book reuses a plan for every date in the same windows; each evaluation must
    equal one by a fresh rule book that compiles a plan for exactly those dates, on both
    sides of every window's first and last day."""
    from datetime import timedelta

    lots = [case.facts for case in CASES]
    days = sorted(_window_days(ruleset))
    assert len(days) > 10
    pairs = []
    for day in days:
        for edge in (day - timedelta(days=1), day, day + timedelta(days=1)):
            pairs += [(edge, edge + timedelta(days=10)), (edge - timedelta(days=10), edge)]
    shared = RuleBook(version=rulebook.version, rules=rulebook._rules, catalogue=rulebook.catalogue)
    for country in ("IT", "KR", "KH", "US"):
        for export, arrival in pairs:
            fresh = RuleBook(
                version=rulebook.version, rules=rulebook._rules, catalogue=rulebook.catalogue
            )
            dates = {"country": country, "export_date": export, "arrival_date": arrival}
            assert shared.evaluate_many(lots, **dates) == fresh.evaluate_many(lots, **dates), dates
    assert len(shared._plans) < len(pairs)
