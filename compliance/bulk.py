"""Checks evaluated and stored many at a time: what ``services`` runs for a shipment's lots
and for the re-check of every lot after a rule-set edit.

``stale_checks`` reads a batch of stale checks with their lots' facts; ``checks_plan``
evaluates (lot, country) pairs, each on its own dates, grouped so that the engine selects
the rules once per destination and dates; ``checks_replace`` makes the replaced checks not
current and inserts the new ones, one statement each per batch (``COPY`` on PostgreSQL,
``bulk_create`` elsewhere). A new check keeps the ids of its ``StoredFinding`` rows
(``FindingIds`` finds or makes them, a few queries per batch), so a row is a couple of hundred
bytes, not kilobytes of text.

On PostgreSQL ``checks_replace`` runs those two statements in a helper thread, on the
caller's connection and in its transaction, and returns at once: the caller evaluates the
next batch while the database stores this one (the engine and the database each keep a core
busy), then waits before it commits.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.db import connection

from donations.models import Attachment

from .engine import Evaluation, Finding, LotFacts, RuleBook
from .facts import LOT_FACT_FIELDS, attachment_kinds, check_fingerprint, lot_facts_of
from .models import ComplianceCheck, RuleSet, StoredFinding, finding_digest


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


class FindingIds:
    """The ``StoredFinding`` id of each finding the engine returns, stored as needed: a
    query or two per call for the findings not seen before, none for the others.

    Keep one for a call, or a run of calls in one process: an id stored in a transaction
    that is rolled back is not valid afterwards.
    """

    def __init__(self) -> None:
        # By the finding object's id(): the engine hands out the same object again for lots
        # alike, and an int is hashed and compared far faster than a finding's five texts.
        # Equal findings that are distinct objects share their digest, so their row.
        self._ids: dict[int, str] = {}
        self._kept: list[Finding] = []  # alive, so that no other object takes their id()
        # By digest: a later batch's equal findings (other objects) need no query.
        self._by_digest: dict[str, str] = {}

    def text(self, findings: tuple[Finding, ...]) -> str:
        """The JSON of ``ComplianceCheck.finding_ids`` for these findings."""
        ids = self._ids
        return "[" + ",".join([ids[id(finding)] for finding in findings]) + "]"

    def list(self, findings: tuple[Finding, ...]) -> list[int]:
        ids = self._ids
        return [int(ids[id(finding)]) for finding in findings]

    def _unknown(self, evaluations: Iterable[Evaluation]) -> dict[str, list]:
        """The findings of these evaluations without an id yet: [data, findings] by digest."""
        ids, by_digest, unknown = self._ids, self._by_digest, {}
        for evaluation in evaluations:
            for finding in evaluation.findings:
                if id(finding) not in ids:
                    data = finding.as_dict()
                    digest = finding_digest(data)
                    self._kept.append(finding)
                    known = by_digest.get(digest)
                    if known is not None:
                        ids[id(finding)] = known
                        continue
                    unknown.setdefault(digest, [data, []])[1].append(finding)
                    ids[id(finding)] = ""  # seen: given its id before the caller reads it
        return unknown

    def _learn(self, unknown: dict[str, list], found: dict[str, int]) -> None:
        for digest, (_data, findings) in unknown.items():
            pk = self._by_digest[digest] = str(found[digest])
            for finding in findings:
                self._ids[id(finding)] = pk

    def resolve(self, evaluations: Iterable[Evaluation]) -> None:
        """Find or store the findings of these evaluations (through the ORM)."""
        unknown = self._unknown(evaluations)
        if not unknown:
            return
        found = dict(
            StoredFinding.objects.filter(digest__in=list(unknown)).values_list("digest", "pk")
        )
        new = [
            StoredFinding(digest=digest, **data)
            for digest, (data, _f) in unknown.items()
            if digest not in found
        ]
        if new:
            # Another process may be storing the same finding: its row wins, then is read.
            StoredFinding.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
            found.update(
                StoredFinding.objects.filter(digest__in=[row.digest for row in new]).values_list(
                    "digest", "pk"
                )
            )
        self._learn(unknown, found)

    def resolve_copy(self, cursor, evaluations: Iterable[Evaluation]) -> None:
        """``resolve`` on a PostgreSQL driver cursor. Stored findings are read by digest, one
        statement; the new ones, if any, are copied into a temporary table, inserted from it
        where their digest is still new, and read back by digest: three more."""
        unknown = self._unknown(evaluations)
        if not unknown:
            return
        table = connection.ops.quote_name(StoredFinding._meta.db_table)
        read = f"SELECT digest, id FROM {table} WHERE digest = ANY(%s)"
        cursor.execute(read, [list(unknown)])
        found = dict(cursor.fetchall())
        new = [digest for digest in unknown if digest not in found]
        if new:
            columns = ("digest", *StoredFinding.FIELDS)
            names = ", ".join(columns)
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS new_finding ({' text, '.join(columns)} text)"
                " ON COMMIT DROP"
            )
            cursor.execute("TRUNCATE new_finding")
            rows = "".join(
                "\t".join(
                    map(_copy_text, (digest, *(unknown[digest][0][name] for name in columns[1:])))
                )
                + "\n"
                for digest in new
            )
            _copy(cursor, f"COPY new_finding ({names}) FROM STDIN", rows.encode())
            # Another process may be storing the same finding: its row wins, then is read.
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM new_finding"
                " ON CONFLICT (digest) DO NOTHING"
            )
            cursor.execute(read, [new])
            found.update(cursor.fetchall())
        self._learn(unknown, found)


_RETIRE = (
    "UPDATE {table} SET is_current = false"
    " WHERE id = ANY(%s) AND is_current AND is_stale RETURNING id"
)


def checks_replace(
    replacing: list[tuple[int, NewCheck]],
    *,
    rule_set: RuleSet,
    now: dt.datetime,
    findings: FindingIds,
) -> Callable[[], int]:
    """Replace stale checks by new ones: each (id of the stale check, its replacement).

    A stale check that is no longer current and stale (another process re-checked its lot
    since it was read) keeps its replacement out. Call it in a transaction, then call what it
    returns before the transaction ends: it waits for the work and returns how many checks it
    stored.
    """
    if not replacing:
        return lambda: 0
    if connection.vendor != "postgresql":
        findings.resolve(check.planned.evaluation for _pk, check in replacing)
        still = set(
            ComplianceCheck.objects.select_for_update()
            .filter(pk__in=[pk for pk, _check in replacing], is_current=True, is_stale=True)
            .values_list("pk", flat=True)
        )
        ComplianceCheck.objects.filter(pk__in=still).update(is_current=False)
        kept = [check for pk, check in replacing if pk in still]
        ComplianceCheck.objects.bulk_create(
            [check_instance(check, rule_set, now, findings) for check in kept], batch_size=500
        )
        return lambda: len(kept)
    # The new findings are stored here, before the helper thread starts: Python work in it
    # would take the interpreter lock from the caller's thread, evaluating the next batch.
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        findings.resolve_copy(cursor, (check.planned.evaluation for _pk, check in replacing))
    lines = copy_lines([check for _pk, check in replacing], rule_set, now, findings)
    table = connection.ops.quote_name(ComplianceCheck._meta.db_table)
    copy_sql = _copy_sql()
    foreign_keys = _deferred_foreign_keys()
    connection.ensure_connection()
    raw = connection.connection  # the helper thread bypasses Django's per-thread connections
    outcome: list = []

    def write() -> None:
        try:
            with raw.cursor() as cursor:
                cursor.execute(_RETIRE.format(table=table), [[pk for pk, _c in replacing]])
                still = {pk for (pk,) in cursor.fetchall()}
                kept = [
                    line for (pk, _c), line in zip(replacing, lines, strict=True) if pk in still
                ]
                _copy(cursor, copy_sql, b"".join(kept))
                if foreign_keys:
                    # Check the new rows' foreign keys now, in this thread, rather than all
                    # at the commit, which the caller's thread waits for.
                    cursor.execute(f"SET CONSTRAINTS {foreign_keys} IMMEDIATE")
                    cursor.execute(f"SET CONSTRAINTS {foreign_keys} DEFERRED")
            outcome.append(len(kept))
        except BaseException as error:  # raised again in the caller's thread
            outcome.append(error)

    thread = threading.Thread(target=write, name="checks-replace", daemon=True)
    thread.start()

    def wait() -> int:
        thread.join()
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    return wait


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


def check_instance(
    check: NewCheck, rule_set: RuleSet, now: dt.datetime, findings: FindingIds
) -> ComplianceCheck:
    """The new check as an unsaved model instance (its findings resolved in ``findings``)."""
    planned = check.planned
    return ComplianceCheck(
        lot_id=planned.lot_id,
        country=planned.country,
        rule_set=rule_set,
        result=planned.evaluation.result,
        finding_ids=findings.list(planned.evaluation.findings),
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
    "finding_ids",
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
_NULL = "\\N"
_TAB = "\t"


def _copy_text(value) -> str:
    if value is None:
        return _NULL
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    # Four C-level passes: several times faster than one str.translate with a table.
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def copy_lines(
    checks: list[NewCheck], rule_set: RuleSet, now: dt.datetime, findings: FindingIds
) -> list[bytes]:
    """The new checks as lines of ``COPY``'s text format (UTF-8), one per check, in order."""
    head = f"\t{rule_set.pk}\t"
    evaluated = now.isoformat()
    tail_no_override = f"\tt\tf\t{evaluated}\t\\N\t\\N\t\t\\N\t\n"
    lines = []
    append = lines.append
    for planned, override in checks:
        evaluation = planned.evaluation
        tail = tail_no_override
        if override:
            values = [
                override.get(name, "" if name in _TEXT_OVERRIDES else None)
                for name in _OVERRIDE_COLUMNS
            ]
            tail = f"\tt\tf\t{evaluated}\t{_TAB.join(map(_copy_text, values))}\n"
        append(
            f"{planned.lot_id}\t{_copy_text(planned.country)}{head}{evaluation.result}"
            f"\t{findings.text(evaluation.findings)}\t{planned.export}\t{planned.arrival}"
            f"\t{planned.fingerprint}{tail}".encode()
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


def _deferred_foreign_keys() -> str:
    """The checks table's deferred foreign keys, quoted and comma-separated ('' if none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass"
            " AND contype = 'f' AND condeferred ORDER BY conname",
            [ComplianceCheck._meta.db_table],
        )
        return ", ".join(connection.ops.quote_name(name) for (name,) in cursor.fetchall())


def _copy_sql() -> str:
    meta = ComplianceCheck._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in _COPY_FIELDS)
    return f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"


def _copy(cursor, sql: str, data: bytes) -> None:
    """``COPY … FROM STDIN`` of ``data`` on a driver cursor, sent in one piece: a helper
    thread then holds the interpreter lock once, not once per 8 kB."""
    if hasattr(cursor, "copy_expert"):  # psycopg2
        cursor.copy_expert(sql, io.BytesIO(data), size=max(len(data), 8192))
    else:  # psycopg 3
        with cursor.copy(sql) as copy:
            copy.write(data)
