"""The re-check of every lot after a rule-set edit stores what checking lot by lot stores.

The edit is saved through the admin, as a compliance officer does; the re-check it queues runs
in bulk (``COPY`` on PostgreSQL, ``bulk_create`` elsewhere). The same stale checks re-run one at
a time through ``checks_run`` (what a lot's refresh and a shipment's checks use) must give the
same rows: results, findings, dates, fingerprints, overrides carried or lapsed.
"""

import datetime as dt
import hashlib
import json

import pytest
from django.db import transaction
from django.urls import reverse

from compliance import services
from compliance.engine import LotFacts
from compliance.facts import check_fingerprint
from compliance.models import ComplianceCheck, RuleSet
from donations.models import Attachment
from standards.models import Standard
from tests import factories
from tests.compliance.test_checks import _edited
from tests.services import require_postgres

KN95 = "CN_GB2626_KN95"
# Written by hand, with what COPY's text format must escape: a tab, a line end, a backslash.
REASON = 'Accepted in writing by the consignee:\tletter "A\\7"\nfiled with the shipment'
FIELDS = (
    "lot_id",
    "country",
    "rule_set_id",
    "result",
    "export_date",
    "arrival_date",
    "input_fingerprint",
    "is_current",
    "is_stale",
    "overridden_by_id",
    "overridden_at",
    "override_reason",
    "override_carried_from_id",
    "override_lapsed",
)


def _lots():
    """Lots of several kinds, each with current checks for one or two countries and dates."""
    kn95 = Standard.objects.get(slug=KN95)
    offer = factories.OfferFactory()
    plain = factories.LotFactory(offer=offer, standard=kn95)
    # An HS code that is not one, quoted in a finding: quotes, a backslash and a tab.
    odd_code = factories.LotFactory(offer=offer, standard=kn95, hs_code='63\\07"9\t0')
    masks = factories.LotFactory(
        offer=offer,
        category="medical_mask",
        standard=None,
        expires_on=dt.date(2027, 1, 15),
    )
    for kind in ("ce_certificate", "test_report"):
        Attachment.objects.create(
            lot=masks, kind=kind, file=f"attachments/{kind}.pdf", sha256="0" * 64,
            content_type="application/pdf", size=1,
        )  # fmt: skip
    gloves = factories.LotFactory(
        offer=offer, category="gloves", standard=None, manufactured_on=None, expires_on=None
    )
    items = [
        (plain.pk, "IT", dt.date(2026, 12, 1), dt.date(2026, 12, 8)),
        (plain.pk, "KR", dt.date(2026, 12, 1), dt.date(2026, 12, 20)),
        (odd_code.pk, "IT", dt.date(2020, 5, 1), dt.date(2020, 5, 15)),
        (odd_code.pk, "US", dt.date(2026, 11, 2), dt.date(2026, 11, 30)),
        (masks.pk, "IT", dt.date(2026, 12, 1), dt.date(2026, 12, 22)),
        (masks.pk, "DE", dt.date(2020, 5, 1), dt.date(2020, 5, 15)),
        (gloves.pk, "KH", dt.date(2026, 12, 1), dt.date(2026, 12, 8)),
        (gloves.pk, "IT", dt.date(2026, 12, 3), dt.date(2026, 12, 9)),
    ]
    return services.checks_run(items=items)


def _snapshot():
    return [
        {**{name: getattr(check, name) for name in FIELDS}, "findings": check.findings}
        for check in ComplianceCheck.objects.order_by(
            "lot_id", "country", "is_current", "pk"
        ).with_findings()
    ]


def _recheck_both_ways(client, compliance_officer, capture, monkeypatch):
    """Save an edit in the admin; return the checks after the queued bulk re-check and after
    re-running each stale check by itself, from the same starting point."""
    for check in _lots():
        if check.result == "fail":
            services.check_override(check=check, actor=compliance_officer, reason=REASON)
    base = RuleSet.objects.get(is_active=True)
    client.force_login(compliance_officer)
    with capture() as queued:
        response = client.post(
            reverse("admin:compliance_ruleset_change", args=[base.pk]),
            {"title": base.title, "rules": json.dumps(_edited(base.rules)), "notes": "EU warns"},
        )
    assert response.status_code == 302 and queued  # the re-check waits for the commit
    stale = list(
        ComplianceCheck.objects.filter(is_current=True, is_stale=True)
        .order_by("pk")
        .values_list("lot_id", "country", "export_date", "arrival_date")
    )
    assert len(stale) == 8

    monkeypatch.setattr(services, "RECHECK_BATCH", 3)  # three batches, the last one short
    savepoint = transaction.savepoint()
    for callback in queued:
        callback()  # publishes the outbox message; the eager task runs the bulk re-check
    in_bulk = _snapshot()
    transaction.savepoint_rollback(savepoint)

    for item in stale:
        services.checks_run(items=[item])
    one_by_one = _snapshot()
    return in_bulk, one_by_one


def _assert_same(in_bulk, one_by_one):
    assert len(in_bulk) == 16  # eight old checks, eight new ones
    assert in_bulk == one_by_one
    new = [check for check in in_bulk if check["is_current"]]
    assert not any(check["is_stale"] for check in new)
    assert {check["rule_set_id"] for check in new} == {RuleSet.objects.get(is_active=True).pk}
    carried = [check for check in new if check["override_carried_from_id"]]
    lapsed = [check for check in new if check["override_lapsed"]]
    assert carried and all(check["override_reason"] == REASON for check in carried)
    assert lapsed and all("EU-RESPIRATOR" in check["override_lapsed"] for check in lapsed)
    messages = " ".join(f["message"] for check in new for f in check["findings"])
    assert '63\\07"9\t0' in messages


def test_the_bulk_recheck_stores_what_checking_lot_by_lot_stores(
    client, catalogue, compliance_officer, django_capture_on_commit_callbacks, monkeypatch
):
    _assert_same(
        *_recheck_both_ways(
            client, compliance_officer, django_capture_on_commit_callbacks, monkeypatch
        )
    )


@pytest.mark.postgres
def test_the_bulk_recheck_stores_what_checking_lot_by_lot_stores_on_postgresql(
    client, catalogue, compliance_officer, django_capture_on_commit_callbacks, monkeypatch
):
    require_postgres()  # the bulk path writes with COPY there
    _assert_same(
        *_recheck_both_ways(
            client, compliance_officer, django_capture_on_commit_callbacks, monkeypatch
        )
    )


def test_a_lot_checked_again_meanwhile_keeps_its_new_check(
    catalogue, compliance_officer, monkeypatch
):
    """A lot refreshed between the re-check's read and its write is not checked twice."""
    checks = _lots()
    base = RuleSet.objects.get(is_active=True)
    services.rule_set_revise(
        base=base, rules=_edited(base.rules), actor=compliance_officer, notes="EU warns"
    )
    raced = checks[0]
    plan = services.checks_plan
    refreshed = []

    def plan_then_refresh(*args, **kwargs):
        planned = plan(*args, **kwargs)
        if not refreshed and any(item.lot_id == raced.lot_id for item in planned):
            refreshed.append(raced)  # another worker checks the lot again, and commits
            services.checks_run(
                items=[(raced.lot_id, raced.country, raced.export_date, raced.arrival_date)]
            )
        return planned

    monkeypatch.setattr(services, "checks_plan", plan_then_refresh)
    assert services.checks_recheck_stale() == len(checks) - 1
    current = ComplianceCheck.objects.filter(is_current=True)
    assert current.count() == len(checks) and not current.filter(is_stale=True).exists()
    assert current.get(lot_id=raced.lot_id, country=raced.country).rule_set.version.endswith("-r2")


@pytest.mark.parametrize(
    "facts",
    [
        LotFacts("gloves", None, None, None, frozenset()),
        LotFacts(
            "respirator_nonmedical",
            'A"B\\C',
            dt.date(2026, 1, 2),
            dt.date(2029, 3, 4),
            frozenset({"test_report", "ce_certificate"}),
            True,
            "6307.90 口罩\t",
        ),
    ],
)
def test_the_fingerprint_is_the_digest_of_the_sorted_json_of_the_inputs(facts):
    """Checks stored before keep matching: the digest is the one json.dumps gave."""
    payload = {
        "facts": [
            facts.category,
            facts.standard,
            str(facts.manufacture_date),
            str(facts.expiry_date),
            sorted(facts.attachments),
            facts.manufacturer_whitelisted,
            facts.hs_code,
        ],
        "country": "IT",
        "dates": ["2026-12-01", "2026-12-08"],
        "version": "2020.2-r2",
    }
    expected = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    assert (
        check_fingerprint(
            facts,
            country="IT",
            export=dt.date(2026, 12, 1),
            arrival=dt.date(2026, 12, 8),
            version="2020.2-r2",
        )
        == expected
    )
