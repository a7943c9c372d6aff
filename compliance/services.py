"""State changes of the compliance app: the catalogue, rule set versions, checks, overrides.

Checks are immutable rows: a new evaluation supersedes the current check of the same lot and
country (``is_current``), so every old check keeps the rule set version it was made under.
"""

import datetime as dt
import gc
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from donations.models import MaterialLot
from partners.models import SisterCity
from sfiec.exceptions import DomainError
from sfiec.outbox import outbox_enqueue
from sfiec.roles import Role, user_roles
from standards.models import EquivalenceGroup, Standard

from .bulk import (
    FindingIds,
    NewCheck,
    Planned,
    Stale,
    check_instance,
    checks_plan,
    checks_replace,
    stale_checks,
)
from .catalogue import load_ruleset_file, ruleset_files, shipped_catalogue
from .engine import Evaluation, LotFacts, RuleBook, validate_rules
from .facts import lot_facts, lot_facts_many, lots_for_checks
from .models import CURRENT_CHECK_CONSTRAINT, ComplianceCheck, RuleSet
from .selectors import rule_set_active  # noqa: F401  (a read; services and callers use it)

# Days of transit assumed for a lot's checks before any shipment is planned.
DEFAULT_TRANSIT_DAYS = 14
MIN_OVERRIDE_REASON = 20
# Findings an override accepts; an override carries over while these stay the same.
OVERRIDDEN_SEVERITIES = ("fail", "warn")
# Stale checks re-run per batch after a rule-set edit.
RECHECK_BATCH = 5000
# How often ``checks_run`` reads the current checks again after another process stored one
# of the same lot and country first.
CHECK_STORE_ATTEMPTS = 3

_rulebooks: dict[str, RuleBook] = {}


def catalogue_sync() -> int:
    """Load the standards catalogue file into the database (idempotent); returns the count."""
    catalogue = shipped_catalogue()
    with transaction.atomic():
        for spec in catalogue.standards.values():
            Standard.objects.update_or_create(
                slug=spec.slug,
                defaults={
                    "body": spec.body,
                    "title": spec.title,
                    "title_zh": spec.title_zh,
                    "categories": list(spec.category),
                    "protection_class": spec.protection_class,
                    "jurisdiction": spec.jurisdiction,
                    "key_criteria": spec.key_criteria,
                    "source": spec.source,
                    "source_status": spec.status,
                },
            )
        standards = {s.slug: s for s in Standard.objects.filter(slug__in=catalogue.standards)}
        for group in catalogue.equivalences:
            row, _created = EquivalenceGroup.objects.update_or_create(
                slug=group.slug,
                defaults={
                    "name": group.name,
                    "basis": group.basis,
                    "source": group.source,
                    "source_status": group.status,
                },
            )
            row.members.set([standards[slug] for slug in group.members if slug in standards])
    return len(catalogue.standards)


# --- rule sets ---------------------------------------------------------------------------


def rulebook_for(rule_set: RuleSet) -> RuleBook:
    """The compiled rules of one version; versions never change, so this is cached."""
    book = _rulebooks.get(rule_set.version)
    if book is None:
        book = RuleBook.from_data(
            version=rule_set.version, rules=rule_set.rules, catalogue=shipped_catalogue()
        )
        _rulebooks[rule_set.version] = book
    return book


def rules_load() -> RuleSet:
    """Load the shipped catalogue and rule set files (idempotent); returns the active rule set.

    Run after every ``migrate`` (see ``ComplianceConfig.ready``) and by ``manage.py
    load_rules``; reads such as ``rule_set_active`` never load anything themselves.
    """
    catalogue_sync()
    return rule_set_sync_files()


def rule_set_sync_files() -> RuleSet:
    """Load every rule set file not yet in the database; activate the newest if none is active.

    Idempotent. A version already loaded is never overwritten: edits made in the admin are
    new versions of their own.
    """
    with transaction.atomic():
        newest = None
        for path in ruleset_files():
            data = load_ruleset_file(path)
            newest, _created = RuleSet.objects.get_or_create(
                version=data["version"],
                defaults={
                    "title": data.get("title", data["version"]),
                    "rules": data["rules"],
                    "source_file": str(path.relative_to(settings.BASE_DIR)),
                },
            )
        active = RuleSet.objects.select_for_update().filter(is_active=True).first()
        if active is None and newest is not None:
            RuleSet.objects.filter(pk=newest.pk).update(is_active=True)
            newest.is_active = True
            active = newest
    return active


def rule_set_validate(rules) -> None:
    """Raise DomainError naming the rule and field if ``rules`` is not a valid rule list."""
    if not isinstance(rules, list):
        raise DomainError(_("Rules must be a list of rule objects."))
    try:
        validate_rules(rules, shipped_catalogue())
    except ValueError as error:
        raise DomainError(str(error)) from error


def rule_set_revise(*, base: RuleSet, rules: list, actor, notes: str, title: str = "") -> RuleSet:
    """Save edited rules as a new active version; checks made under older versions go stale.

    The old version and its checks stay as they were; the affected lots are re-checked under
    the new version after commit.
    """
    rule_set_validate(rules)
    if not notes.strip():
        raise DomainError(_("Describe the change: the notes are kept with the new version."))
    root = base.version.split("-r")[0]
    with transaction.atomic():
        RuleSet.objects.select_for_update().filter(is_active=True).update(is_active=False)
        revision = RuleSet.objects.filter(version__startswith=f"{root}-r").count() + 2
        new = RuleSet.objects.create(
            version=f"{root}-r{revision}",
            title=title or base.title,
            rules=rules,
            based_on=base,
            notes=notes,
            created_by=actor,
            is_active=True,
        )
        stale = ComplianceCheck.objects.filter(is_current=True, is_stale=False).exclude(
            rule_set=new
        )
        stale.update(is_stale=True)
        from .tasks import rule_set_recheck_task

        outbox_enqueue(rule_set_recheck_task, new.pk)  # published once this commits
    return new


# --- facts and dates ---------------------------------------------------------------------


def default_dates() -> tuple[dt.date, dt.date]:
    """Dates for a check before any shipment is planned: leaving today, two weeks' transit."""
    today = timezone.localdate()
    return today, today + dt.timedelta(days=DEFAULT_TRANSIT_DAYS)


# --- checks ------------------------------------------------------------------------------


def lots_check_for_destination(
    *, lot_ids: Iterable[int], country: str, export_date: dt.date, arrival_date: dt.date
) -> list[ComplianceCheck]:
    """Evaluate many lots for one destination and one pair of dates in one bulk pass.

    A lot whose current check already has the same inputs and is not stale keeps it (and
    any override on it); the others get a new current check. An override of the replaced
    check carries over to the new one while the new check finds the same problems (the same
    rules at the same severities); otherwise it lapses and the new check says why
    (``override_lapsed``). The number of queries does not grow with the number of lots.
    """
    return checks_run(items=[(lot_id, country, export_date, arrival_date) for lot_id in lot_ids])


def checks_run(*, items: Iterable[tuple[int, str, dt.date, dt.date]]) -> list[ComplianceCheck]:
    """``lots_check_for_destination`` for many (lot id, country, export date, arrival date)
    at once, each with its own destination and dates, in the same fixed number of queries.
    """
    wanted: dict[tuple[int, str], tuple[dt.date, dt.date]] = {}
    for lot_id, country, export, arrival in items:
        wanted[(lot_id, country.upper())] = (export, arrival)
    if not wanted:
        return []
    rule_set = rule_set_active()
    facts = lot_facts_many({lot_id for lot_id, _c in wanted})
    planned = checks_plan(rulebook_for(rule_set), rule_set.version, facts, wanted)
    for attempt in range(CHECK_STORE_ATTEMPTS):
        try:
            with transaction.atomic():
                return _checks_store(planned, facts, wanted, rule_set)
        except IntegrityError as error:
            # Another process stored a check for one of these lots and countries since it
            # was read (a worker refreshing a lot while staff run its shipment's checks):
            # read the current checks again and replace that one.
            if CURRENT_CHECK_CONSTRAINT not in str(error) or attempt + 1 == CHECK_STORE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _checks_store(planned, facts, wanted, rule_set) -> list[ComplianceCheck]:
    """Store ``checks_run``'s evaluations: keep a current check that is still right, replace
    the others. Call it in a transaction."""
    findings = FindingIds()
    findings.resolve(item.evaluation for item in planned)
    current = {
        (check.lot_id, check.country): check
        for check in ComplianceCheck.objects.select_for_update()
        .with_findings()
        .filter(
            lot_id__in=list(facts),
            country__in={country for _pk, country in wanted},
            is_current=True,
        )
    }
    keep, replace, new_checks = [], [], []
    now = timezone.now()
    for item in planned:
        existing = current.get((item.lot_id, item.country))
        if existing and existing.input_fingerprint == item.fingerprint and not existing.is_stale:
            keep.append(existing)
            continue
        override = {}
        if existing:
            replace.append(existing.pk)
            if existing.is_overridden:
                override = _override_follow(existing, item.evaluation)
        new_checks.append(check_instance(NewCheck(item, override), rule_set, now, findings))
    ComplianceCheck.objects.filter(pk__in=replace).update(is_current=False)
    created = ComplianceCheck.objects.bulk_create(new_checks)
    return keep + created


def checks_recheck_stale(*, batch: int | None = None) -> int:
    """Re-run every stale current check, each on its own destination and dates; returns how many.

    What a rule-set edit queues (``rule_set_revise``), for every lot at once. Batches of
    ``batch`` checks walk the stale checks in id order (one indexed read each), so memory
    stays bounded whatever the number of lots. Each batch is evaluated, then stored in its
    own transaction: its old checks made not current and the new ones inserted, one
    statement each (``bulk.checks_replace``); on PostgreSQL the next batch is evaluated while
    the database stores this one. The stored checks are those ``checks_run`` stores for the
    same lots, countries and dates, overrides included.
    """
    batch = batch or RECHECK_BATCH
    done = 0
    # Each batch makes hundreds of thousands of short-lived objects, none in a cycle; the
    # cyclic collector would walk every live object again and again (a third of the
    # evaluation's time, measured). It is off while the batches run; reference counting
    # frees each batch's objects.
    collecting = gc.isenabled()
    gc.disable()
    findings = FindingIds()
    try:
        stale, facts = stale_checks(after=0, limit=batch)
        ready = _recheck_prepare(stale, facts, rule_set_active()) if stale else None
        while ready is not None:
            stale, facts = stale_checks(after=ready.stale[-1].pk, limit=batch)
            rule_set = rule_set_active() if stale else None
            with transaction.atomic():
                wait = _recheck_store(ready, findings)
                try:
                    # No database work here: the connection is storing the previous batch.
                    ready = _recheck_prepare(stale, facts, rule_set) if stale else None
                finally:
                    done += wait()
    finally:
        if collecting:
            gc.enable()
    return done


class _Batch(NamedTuple):
    """A batch of stale checks, evaluated under ``rule_set`` at ``now``."""

    rule_set: RuleSet
    stale: list[Stale]
    planned: list[Planned]
    now: dt.datetime


def _recheck_prepare(stale: list[Stale], facts: dict[int, LotFacts], rule_set: RuleSet) -> _Batch:
    """Evaluate a batch of stale checks under ``rule_set``, without a query."""
    book = rulebook_for(rule_set)
    wanted = {(check.lot_id, check.country): (check.export, check.arrival) for check in stale}
    planned = checks_plan(book, rule_set.version, facts, wanted)
    return _Batch(rule_set, stale, planned, timezone.now())


def _recheck_store(ready: _Batch, findings: FindingIds) -> Callable[[], int]:
    """Start storing an evaluated batch in the current transaction (``checks_replace``)."""
    replaced = {(check.lot_id, check.country): check.pk for check in ready.stale}
    overridden = {}
    if any(check.overridden for check in ready.stale):
        overridden = {
            old.pk: old
            for old in ComplianceCheck.objects.select_for_update()
            .with_findings()
            .filter(
                pk__in=[check.pk for check in ready.stale if check.overridden],
                overridden_by__isnull=False,
            )
        }
    replacing = []
    for item in ready.planned:
        pk = replaced[(item.lot_id, item.country)]
        old = overridden.get(pk)
        replacing.append(
            (pk, NewCheck(item, _override_follow(old, item.evaluation) if old else {}))
        )
    return checks_replace(replacing, rule_set=ready.rule_set, now=ready.now, findings=findings)


def _problems(findings) -> frozenset[tuple[str, str]]:
    """What an override accepts: the rules that fail or warn, with their severity.

    Messages are left out on purpose: they quote the dates, which move with the shipment.
    """
    return frozenset(
        (f["rule"], f["severity"]) for f in findings if f["severity"] in OVERRIDDEN_SEVERITIES
    )


def _override_follow(old: ComplianceCheck, evaluation: Evaluation) -> dict:
    """The override fields of the check replacing ``old``, an overridden check (read
    ``with_findings()``): the override carries over if the new check finds the same problems;
    otherwise it lapses and the new check says why. A passing check has none."""
    if evaluation.result == ComplianceCheck.Result.PASS:
        return {}
    before = _problems(old.findings)
    after = frozenset(
        (f.rule, f.severity) for f in evaluation.findings if f.severity in OVERRIDDEN_SEVERITIES
    )
    if before == after:
        return {
            "overridden_by_id": old.overridden_by_id,
            "overridden_at": old.overridden_at,
            "override_reason": old.override_reason,
            "override_carried_from_id": old.override_carried_from_id or old.pk,
        }
    added = sorted(rule for rule, _severity in after - before)
    return {
        "override_lapsed": _(
            "The override of %(date)s no longer applies: the check now also finds %(rules)s."
        )
        % {
            "date": f"{old.overridden_at:%Y-%m-%d}",
            "rules": ", ".join(added) or _("a different result"),
        }
    }


def lot_check_for_country(
    *, lot: MaterialLot, country: str, export_date=None, arrival_date=None
) -> ComplianceCheck:
    """Evaluate one lot for one destination country (default dates: leaving today)."""
    default_export, default_arrival = default_dates()
    (check,) = lots_check_for_destination(
        lot_ids=[lot.pk],
        country=country,
        export_date=export_date or default_export,
        arrival_date=arrival_date or default_arrival,
    )
    return check


def lot_destination_countries(lot: MaterialLot) -> list[str]:
    """Where a lot is meant to go: its preferred city's country, else every sister city's."""
    city = lot.preferred_city or lot.offer.preferred_city
    if city is not None:
        return [city.country]
    return sorted(set(SisterCity.objects.filter(is_active=True).values_list("country", flat=True)))


def lot_checks_refresh(*, lot_id: int) -> list[ComplianceCheck]:
    """Check a lot again for every country it has a current check for, and every country it
    may be sent to.

    A current check is re-run on its own dates (those of the shipment it was made for, say),
    so refreshing after a correction does not swap a shipment's dates for the default ones;
    a country without a check gets one on the default dates (leaving today).
    """
    lot = MaterialLot.objects.select_related("preferred_city", "offer__preferred_city").get(
        pk=lot_id
    )
    dates = {
        country: (export, arrival)
        for country, export, arrival in ComplianceCheck.objects.filter(
            lot_id=lot_id, is_current=True
        ).values_list("country", "export_date", "arrival_date")
    }
    for country in lot_destination_countries(lot):
        dates.setdefault(country, default_dates())
    checks = []
    for country, (export, arrival) in sorted(dates.items()):
        checks += lots_check_for_destination(
            lot_ids=[lot_id], country=country, export_date=export, arrival_date=arrival
        )
    return checks


def lot_checks_enqueue(lot_ids: Iterable[int]) -> None:
    """Queue the checks of received or changed lots; call it once the change has committed.

    Donations announces such changes with its own signals (``donations.signals``); the
    receivers in ``compliance.receivers`` call this.
    """
    from .tasks import lot_checks_refresh_task

    for lot_id in lot_ids:
        outbox_enqueue(lot_checks_refresh_task, lot_id)


def lot_inputs_changed(*, lot_id: int) -> None:
    """A lot's facts changed (dates, standard, attachments): its checks are stale until re-run.

    A lot that was never checked (still pledged) waits for intake instead.
    """
    if ComplianceCheck.objects.filter(lot_id=lot_id, is_current=True).update(is_stale=True):
        transaction.on_commit(lambda: lot_checks_enqueue([lot_id]))


def check_override(*, check: ComplianceCheck, actor, reason: str) -> ComplianceCheck:
    """A compliance officer accepts a failing or warning check, with a written justification."""
    if Role.COMPLIANCE not in user_roles(actor):
        raise PermissionDenied(_("Only a compliance officer may override a compliance check."))
    reason = reason.strip()
    if len(reason) < MIN_OVERRIDE_REASON:
        raise DomainError(
            _("Write a justification of at least %(n)d characters; it is kept with the check.")
            % {"n": MIN_OVERRIDE_REASON}
        )
    with transaction.atomic():
        locked = ComplianceCheck.objects.select_for_update().get(pk=check.pk)
        if not locked.is_current or locked.is_stale:
            raise DomainError(_("This check is out of date; override the current one."))
        if locked.result == ComplianceCheck.Result.PASS:
            raise DomainError(_("A passing check needs no override."))
        if locked.is_overridden:
            raise DomainError(_("This check is already overridden."))
        locked.overridden_by = actor
        locked.overridden_at = timezone.now()
        locked.override_reason = reason
        locked._change_reason = f"override: {reason}"
        locked.save(update_fields=["overridden_by", "overridden_at", "override_reason"])
    check.refresh_from_db()
    return check


# --- what-if ------------------------------------------------------------------------------


def evaluate_what_if(*, facts: LotFacts, country: str, export_date, arrival_date) -> dict:
    """Evaluate facts against the active rule set without saving anything."""
    rule_set = rule_set_active()
    evaluation = rulebook_for(rule_set).evaluate(
        facts, country=country.upper(), export_date=export_date, arrival_date=arrival_date
    )
    return {**evaluation.as_dict(), "rule_set_version": rule_set.version}


def lot_destinations(*, lot: MaterialLot) -> list[dict]:
    """For one lot, the result for every active sister city (nothing is saved)."""
    rule_set = rule_set_active()
    book = rulebook_for(rule_set)
    lot = lots_for_checks([lot.pk]).get()
    facts = lot_facts(lot)
    export, arrival = default_dates()
    by_country: dict[str, Evaluation] = {}
    rows = []
    for city in SisterCity.objects.filter(is_active=True).order_by("name"):
        if city.country not in by_country:
            by_country[city.country] = book.evaluate(
                facts, country=city.country, export_date=export, arrival_date=arrival
            )
        evaluation = by_country[city.country]
        rows.append({"city": city, **evaluation.as_dict()})
    return rows
