"""Each distinct finding is stored once (``StoredFinding``); checks keep their ids.

The findings read back are the engine's, in its order, for one check or many (one query for
all of them); lots alike share their findings' rows; the migration moves the findings of
existing checks and their history there, and back.
"""

import copy
import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance import services
from compliance.bulk import FindingIds
from compliance.models import ComplianceCheck, RuleSet, StoredFinding, finding_digest
from tests import factories
from tests.migrating import latest, migrate_to
from tests.services import require_postgres

EXPORT, ARRIVAL = dt.date(2026, 12, 1), dt.date(2026, 12, 8)


def _alike_lots(kn95_lot, count):
    return [kn95_lot] + [
        factories.LotFactory(
            standard=kn95_lot.standard,
            category=kn95_lot.category,
            offer=kn95_lot.offer,
            manufactured_on=kn95_lot.manufactured_on,
            expires_on=kn95_lot.expires_on,
        )
        for _ in range(count - 1)
    ]


def test_checks_of_alike_lots_share_their_findings_rows(kn95_lot):
    lots = _alike_lots(kn95_lot, 4)
    checks = services.lots_check_for_destination(
        lot_ids=[lot.pk for lot in lots], country="IT", export_date=EXPORT, arrival_date=ARRIVAL
    )
    evaluation = services.rulebook_for(RuleSet.objects.get(is_active=True)).evaluate(
        services.lot_facts(kn95_lot), country="IT", export_date=EXPORT, arrival_date=ARRIVAL
    )
    expected = [finding.as_dict() for finding in evaluation.findings]
    assert len(checks) == 4 and expected
    ids = {tuple(check.finding_ids) for check in checks}
    assert len(ids) == 1  # the same rows, in the engine's order
    shared = ids.pop()
    assert StoredFinding.objects.filter(pk__in=shared).count() == len(expected)
    for check in ComplianceCheck.objects.filter(pk__in=[c.pk for c in checks]):
        assert check.findings == expected


def test_many_checks_read_their_findings_in_one_query(kn95_lot):
    lots = _alike_lots(kn95_lot, 5)
    services.lots_check_for_destination(
        lot_ids=[lot.pk for lot in lots], country="KR", export_date=EXPORT, arrival_date=ARRIVAL
    )
    with CaptureQueriesContext(connection) as queries:
        checks = list(ComplianceCheck.objects.filter(is_current=True).with_findings())
        assert all(check.findings for check in checks)
    assert len(checks) == 6  # five for Korea, the intake check for Italy
    assert len(queries) == 2


def test_a_finding_stored_already_is_found_not_stored_again(kn95_lot):
    evaluation = services.rulebook_for(RuleSet.objects.get(is_active=True)).evaluate(
        services.lot_facts(kn95_lot), country="DE", export_date=EXPORT, arrival_date=ARRIVAL
    )
    data = [finding.as_dict() for finding in evaluation.findings]
    before = StoredFinding.objects.ids_for(data)
    count = StoredFinding.objects.count()
    findings = FindingIds()
    findings.resolve([evaluation])
    assert findings.list(evaluation.findings) == before
    assert StoredFinding.objects.count() == count


def _resolve(path: str, findings: FindingIds, evaluations) -> None:
    if path == "orm":
        findings.resolve(evaluations)
        return
    require_postgres()
    with connection.cursor() as cursor:
        findings.resolve_copy(cursor, evaluations)


@pytest.mark.parametrize("path", ["orm", "copy"])
def test_stored_and_new_findings_get_their_rows_and_equal_ones_later_need_no_query(kn95_lot, path):
    evaluation = services.rulebook_for(RuleSet.objects.get(is_active=True)).evaluate(
        services.lot_facts(kn95_lot), country="JP", export_date=EXPORT, arrival_date=ARRIVAL
    )
    data = [finding.as_dict() for finding in evaluation.findings]
    assert len(data) >= 2
    (stored,) = StoredFinding.objects.ids_for(data[:1])
    count = StoredFinding.objects.count()
    new = [d for d in data if not StoredFinding.objects.filter(digest=finding_digest(d)).exists()]
    assert new  # some stored already (the first, and any the intake check shares), some new
    findings = FindingIds()

    _resolve(path, findings, [evaluation])

    ids = findings.list(evaluation.findings)
    assert ids[0] == stored
    assert StoredFinding.objects.count() == count + len(new)
    assert [StoredFinding.objects.get(pk=pk).as_dict() for pk in ids] == data
    # A later batch's equal findings, other objects: known by their digest, no query.
    again = SimpleNamespace(findings=tuple(copy.copy(f) for f in evaluation.findings))
    with CaptureQueriesContext(connection) as queries:
        _resolve(path, findings, [again])
    assert findings.list(again.findings) == ids
    assert len(queries) == 0


BEFORE = [("compliance", "0007_failing_current_check_index")]
FINDINGS = [
    {
        "rule": "EU-RESPIRATOR",
        "severity": "fail",
        "message": "No\tCE",
        "message_zh": "无",
        "source": "s",
    },
    {"rule": "CN-ANN5", "severity": "info", "message": "Fine", "message_zh": "好", "source": "t"},
]


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_every_checks_findings_and_back(catalogue):
    lot = factories.LotFactory()
    rule_set = RuleSet.objects.get(is_active=True)
    old = migrate_to(BEFORE)
    OldCheck = old.get_model("compliance", "ComplianceCheck")
    OldHistory = old.get_model("compliance", "HistoricalComplianceCheck")
    common = {
        "lot_id": lot.pk,
        "rule_set_id": rule_set.pk,
        "export_date": EXPORT,
        "arrival_date": ARRIVAL,
        "input_fingerprint": "x",
    }
    first = OldCheck.objects.create(country="IT", result="fail", findings=FINDINGS, **common)
    second = OldCheck.objects.create(country="DE", result="pass", findings=FINDINGS[1:], **common)
    empty = OldCheck.objects.create(country="KR", result="pass", findings=[], **common)
    history = OldHistory.objects.create(
        id=first.pk,
        country="IT",
        result="fail",
        findings=FINDINGS[:1],
        history_date=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        history_type="+",
        evaluated_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        is_current=True,
        is_stale=False,
        override_reason="",
        override_lapsed="",
        **common,
    )

    migrate_to(latest())
    checks = {check.pk: check for check in ComplianceCheck.objects.with_findings()}
    assert checks[first.pk].findings == FINDINGS
    assert checks[second.pk].findings == FINDINGS[1:]
    assert checks[empty.pk].findings == []
    assert StoredFinding.objects.count() == 2  # each distinct finding once
    moved = ComplianceCheck.history.get(history_id=history.history_id)
    assert moved.finding_ids == checks[first.pk].finding_ids[:1]

    old = migrate_to(BEFORE)
    OldCheck = old.get_model("compliance", "ComplianceCheck")
    OldHistory = old.get_model("compliance", "HistoricalComplianceCheck")
    assert OldCheck.objects.get(pk=first.pk).findings == FINDINGS
    assert OldCheck.objects.get(pk=second.pk).findings == FINDINGS[1:]
    assert OldCheck.objects.get(pk=empty.pk).findings == []
    assert OldHistory.objects.get(history_id=history.history_id).findings == FINDINGS[:1]
    migrate_to(latest())
