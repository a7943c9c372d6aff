"""Checks evaluated and stored many at a time: what ``services`` runs for a shipment's lots
and for the re-check of every lot after a rule-set edit.

``stale_checks`` reads a batch of stale checks with their lots' facts; ``checks_plan``
evaluates (lot, country) pairs, each on its own dates, grouped so that the engine selects
the rules once per destination and dates; ``checks_retire`` makes the replaced checks not
current and ``checks_insert`` writes the new ones, one statement each per batch (``COPY`` on
PostgreSQL, ``bulk_create`` elsewhere), each finding serialised once.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import NamedTuple

from django.db import connection

from donations.models import Attachment

from .engine import Evaluation, Finding, LotFacts, RuleBook
from .facts import LOT_FACT_FIELDS, attachment_kinds, check_fingerprint, lot_facts_of
from .models import ComplianceCheck, RuleSet


class Stale(NamedTuple):
    """A stale current check to run again."""

    pk: int
    lot_id: int
    country: str
    export: dt.date
    arrival: dt.date
    overridden: bool


class Planned(NamedTuple):
    """One evaluated (lot, country) pair, before it is stored."""

    lot_id: int
    country: str
    export: dt.date
    arrival: dt.date
    evaluation: Evaluation
    fingerprint: str


class NewCheck(NamedTuple):
    """A check to insert: an evaluated pair and the override fields it inherits, if any."""

    planned: Planned
    override: dict


def stale_checks(*, after: int, limit: int) -> tuple[list[Stale], dict[int, LotFacts]]:
    """The first ``limit`` stale current checks with an id above ``after``, in id order, and
    their lots' facts by lot id: two queries, whatever the batch's size."""
    rows = list(
        ComplianceCheck.objects.filter(is_current=True, is_stale=True, pk__gt=after)
        .order_by("pk")
        .values_list(
            "pk",
            "lot_id",
            "country",
            "export_date",
            "arrival_date",
            "overridden_by_id",
            *(f"lot__{name}" for name in LOT_FACT_FIELDS),
        )[:limit]
    )
    if not rows:
        return [], {}
    # The same checks, joined to their lots' attachments (no list of ids to send).
    kinds = attachment_kinds(
        Attachment.objects.filter(
            lot__compliance_checks__pk__gt=after,
            lot__compliance_checks__pk__lte=rows[-1][0],
            lot__compliance_checks__is_current=True,
            lot__compliance_checks__is_stale=True,
        )
    )
    stale, facts = [], {}
    for row in rows:
        lot_id = row[1]
        stale.append(Stale(row[0], lot_id, row[2], row[3], row[4], row[5] is not None))
        if lot_id not in facts:
            facts[lot_id] = lot_facts_of(row[6:], kinds.get(lot_id))
    return stale, facts


def checks_retire(pks: list[int]) -> set[int]:
    """Make these checks not current if they still are current and stale; returns the ids it
    made not current (another process may have re-checked a lot since it was read). Locks
    them until the transaction ends; call it in the one that inserts their replacements."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ComplianceCheck._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET is_current = false"
                " WHERE id = ANY(%s) AND is_current AND is_stale RETURNING id",
                [pks],
            )
            return {pk for (pk,) in cursor.fetchall()}
    still = set(
        ComplianceCheck.objects.select_for_update()
        .filter(pk__in=pks, is_current=True, is_stale=True)
        .values_list("pk", flat=True)
    )
    ComplianceCheck.objects.filter(pk__in=still).update(is_current=False)
    return still


def checks_plan(
    book: RuleBook,
    version: str,
    facts: dict[int, LotFacts],
    wanted: dict[tuple[int, str], tuple[dt.date, dt.date]],
) -> list[Planned]:
    """Evaluate each wanted (lot id, country) on its (export, arrival) dates under ``book``.

    Lots missing from ``facts`` (deleted meanwhile) are left out. Pairs sharing a destination
    and dates are evaluated together, in the order they first appear.
    """
    groups: dict[tuple[str, dt.date, dt.date], list[int]] = {}
    for (lot_id, country), (export, arrival) in wanted.items():
        if lot_id in facts:
            groups.setdefault((country, export, arrival), []).append(lot_id)
    planned = []
    append = planned.append
    for (country, export, arrival), ids in groups.items():
        lots = [facts[pk] for pk in ids]
        evaluations = book.evaluate_many(
            lots, country=country, export_date=export, arrival_date=arrival
        )
        for pk, lot, evaluation in zip(ids, lots, evaluations, strict=True):
            fingerprint = check_fingerprint(
                lot, country=country, export=export, arrival=arrival, version=version
            )
            append(Planned(pk, country, export, arrival, evaluation, fingerprint))
    return planned


def findings_data(evaluation: Evaluation) -> list[dict]:
    """The findings as stored in ``ComplianceCheck.findings``."""
    return [finding.as_dict() for finding in evaluation.findings]


def checks_insert(checks: list[NewCheck], *, rule_set: RuleSet, now: dt.datetime) -> int:
    """Insert new current checks under ``rule_set``, evaluated at ``now``; returns how many.

    The caller has made the checks they replace not current, in the same transaction.
    Nothing is returned of the rows: the re-check needs only the count.
    """
    if not checks:
        return 0
    if connection.vendor == "postgresql":
        copy_send(copy_lines(checks, rule_set, now))
    else:
        ComplianceCheck.objects.bulk_create(
            [_instance(check, rule_set, now) for check in checks], batch_size=500
        )
    return len(checks)


def _instance(check: NewCheck, rule_set: RuleSet, now: dt.datetime) -> ComplianceCheck:
    planned = check.planned
    return ComplianceCheck(
        lot_id=planned.lot_id,
        country=planned.country,
        rule_set=rule_set,
        result=planned.evaluation.result,
        findings=findings_data(planned.evaluation),
        export_date=planned.export,
        arrival_date=planned.arrival,
        input_fingerprint=planned.fingerprint,
        evaluated_at=now,
        **check.override,
    )


# The columns COPY fills; the others (the id) take their defaults.
_COPY_FIELDS = (
    "lot",
    "country",
    "rule_set",
    "result",
    "findings",
    "export_date",
    "arrival_date",
    "input_fingerprint",
    "is_current",
    "is_stale",
    "evaluated_at",
    "overridden_by",
    "overridden_at",
    "override_reason",
    "override_carried_from",
    "override_lapsed",
)
# COPY's text format: a backslash starts an escape; tabs and line ends separate values.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _copy_text(value) -> str:
    if value is None:
        return _NULL
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def copy_lines(checks: list[NewCheck], rule_set: RuleSet, now: dt.datetime) -> list[str]:
    """The new checks as lines of ``COPY``'s text format, one per check, in order."""
    head = f"\t{rule_set.pk}\t"
    tail_no_override = f"\tt\tf\t{now.isoformat()}\t\\N\t\\N\t\t\\N\t\n"
    # The engine memoises findings, so most are the same objects lot after lot: each is
    # serialised once, keyed by id() (the value holds the finding, so no other object can
    # take its id meanwhile).
    texts: dict[int, tuple[Finding, str]] = {}
    lines = []
    for planned, override in checks:
        evaluation = planned.evaluation
        parts = []
        for finding in evaluation.findings:
            cached = texts.get(id(finding))
            if cached is None:
                # json.dumps escapes control characters; COPY needs backslashes doubled.
                text = json.dumps(finding.as_dict(), ensure_ascii=False).replace("\\", "\\\\")
                cached = texts[id(finding)] = (finding, text)
            parts.append(cached[1])
        tail = tail_no_override
        if override:
            values = [
                override.get(name, "" if name in _TEXT_OVERRIDES else None)
                for name in _OVERRIDE_COLUMNS
            ]
            tail = f"\tt\tf\t{now.isoformat()}\t" + "\t".join(map(_copy_text, values)) + "\n"
        lines.append(
            f"{planned.lot_id}\t{_copy_text(planned.country)}{head}{evaluation.result}\t"
            f"[{', '.join(parts)}]\t{planned.export}\t{planned.arrival}\t{planned.fingerprint}"
            f"{tail}"
        )
    return lines


# The override columns, last in ``_COPY_FIELDS``; the text ones are never null.
_OVERRIDE_COLUMNS = (
    "overridden_by_id",
    "overridden_at",
    "override_reason",
    "override_carried_from_id",
    "override_lapsed",
)
_TEXT_OVERRIDES = ("override_reason", "override_lapsed")


def copy_send(lines: list[str]) -> None:
    """``COPY`` these lines (``copy_lines``) into the checks table."""
    meta = ComplianceCheck._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in _COPY_FIELDS)
    sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    buffer = io.StringIO("".join(lines))
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if hasattr(raw, "copy_expert"):  # psycopg2
            raw.copy_expert(sql, buffer)
        else:  # psycopg 3
            with raw.copy(sql) as copy:
                copy.write(buffer.getvalue())
