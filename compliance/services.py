"""State changes of the compliance app: the catalogue, rule set versions, checks, overrides.

Checks are immutable rows: a new evaluation supersedes the current check of the same lot and
country (``is_current``), so every old check keeps the rule set version it was made under.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from donations.models import MaterialLot
from partners.models import SisterCity
from sfiec.exceptions import DomainError
from sfiec.roles import Role, user_roles

from .catalogue import load_ruleset_file, ruleset_files, shipped_catalogue
from .engine import Evaluation, LotFacts, RuleBook, validate_rules
from .models import ComplianceCheck, EquivalenceGroup, RuleSet, Standard

# Days from departure to arrival when a shipment gives no expected arrival date.
TRANSIT_DAYS = {"air": 7, "express": 5, "rail": 25, "road": 10, "sea": 40}
DEFAULT_TRANSIT_DAYS = 14
MIN_OVERRIDE_REASON = 20

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


def rule_set_active() -> RuleSet:
    """The rule set new checks use; loads the shipped files on first use."""
    active = RuleSet.objects.filter(is_active=True).first()
    return active or rule_set_sync_files()


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
        stale = ComplianceCheck.objects.filter(is_current=True).exclude(rule_set=new)
        stale.update(is_stale=True)
        transaction.on_commit(lambda: _enqueue_recheck(new.pk))
    return new


def _enqueue_recheck(rule_set_id: int) -> None:
    from .tasks import rule_set_recheck_task

    rule_set_recheck_task.delay(rule_set_id)


# --- facts and dates ---------------------------------------------------------------------


def lot_facts(lot: MaterialLot) -> LotFacts:
    """What the engine needs of a lot (attachments should be prefetched)."""
    known_kinds = shipped_catalogue().attachment_kinds
    return LotFacts(
        category=lot.category,
        standard=lot.standard.slug if lot.standard_id else None,
        manufacture_date=lot.manufactured_on,
        expiry_date=lot.expires_on,
        attachments=frozenset(a.kind for a in lot.attachments.all() if a.kind in known_kinds),
        manufacturer_whitelisted=lot.is_manufacturer_whitelisted,
        hs_code=lot.hs_code,
    )


def default_dates() -> tuple[dt.date, dt.date]:
    """Dates for a check before any shipment is planned: leaving today, two weeks' transit."""
    today = timezone.localdate()
    return today, today + dt.timedelta(days=DEFAULT_TRANSIT_DAYS)


def shipment_dates(shipment) -> tuple[dt.date, dt.date]:
    """Export and arrival dates of a shipment, estimated from its mode where not planned."""
    export = shipment.planned_departure_on or timezone.localdate()
    arrival = shipment.expected_arrival_on or export + dt.timedelta(
        days=TRANSIT_DAYS.get(shipment.mode, DEFAULT_TRANSIT_DAYS)
    )
    return export, max(arrival, export)


def check_fingerprint(
    facts: LotFacts, *, country: str, export: dt.date, arrival: dt.date, version: str
) -> str:
    """A digest of every input of a check; a check whose inputs differ is stale."""
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
        "country": country,
        "dates": [str(export), str(arrival)],
        "version": version,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


# --- checks ------------------------------------------------------------------------------


def _lots_for_checks(lot_ids: Iterable[int]) -> QuerySet[MaterialLot]:
    return (
        MaterialLot.objects.filter(pk__in=list(lot_ids))
        .select_related("standard")
        .prefetch_related("attachments")
    )


def lots_check(
    *, lot_ids: Iterable[int], country: str, export_date: dt.date, arrival_date: dt.date
) -> list[ComplianceCheck]:
    """Evaluate many lots for one destination in one bulk pass and store the checks.

    A lot whose current check already has the same inputs and is not stale keeps it (and
    any override on it); the others get a new current check. The number of queries does not
    grow with the number of lots.
    """
    country = country.upper()
    rule_set = rule_set_active()
    book = rulebook_for(rule_set)
    lots = list(_lots_for_checks(lot_ids))
    facts = [lot_facts(lot) for lot in lots]
    evaluations = book.evaluate_many(
        facts, country=country, export_date=export_date, arrival_date=arrival_date
    )
    fingerprints = [
        check_fingerprint(
            f, country=country, export=export_date, arrival=arrival_date, version=rule_set.version
        )
        for f in facts
    ]
    with transaction.atomic():
        current = {
            check.lot_id: check
            for check in ComplianceCheck.objects.select_for_update().filter(
                lot__in=lots, country=country, is_current=True
            )
        }
        keep, replace, new_checks = [], [], []
        for lot, evaluation, fingerprint in zip(lots, evaluations, fingerprints, strict=True):
            existing = current.get(lot.pk)
            if existing and existing.input_fingerprint == fingerprint and not existing.is_stale:
                keep.append(existing)
                continue
            if existing:
                replace.append(existing.pk)
            new_checks.append(
                _new_check(
                    lot, country, rule_set, evaluation, fingerprint, export_date, arrival_date
                )
            )
        ComplianceCheck.objects.filter(pk__in=replace).update(is_current=False)
        created = ComplianceCheck.objects.bulk_create(new_checks)
    return keep + created


def _new_check(
    lot, country, rule_set, evaluation: Evaluation, fingerprint, export, arrival
) -> ComplianceCheck:
    return ComplianceCheck(
        lot=lot,
        country=country,
        rule_set=rule_set,
        result=evaluation.result,
        findings=evaluation.as_dict()["findings"],
        export_date=export,
        arrival_date=arrival,
        input_fingerprint=fingerprint,
        evaluated_at=timezone.now(),
    )


def lot_check(
    *, lot: MaterialLot, country: str, export_date=None, arrival_date=None
) -> ComplianceCheck:
    """Evaluate one lot for one destination country and store the check."""
    default_export, default_arrival = default_dates()
    (check,) = lots_check(
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


def lot_checks_run(*, lot_id: int) -> list[ComplianceCheck]:
    """Check a lot for each country it may be sent to, with the default dates."""
    lot = MaterialLot.objects.select_related("preferred_city", "offer__preferred_city").get(
        pk=lot_id
    )
    export, arrival = default_dates()
    checks = []
    for country in lot_destination_countries(lot):
        checks += lots_check(
            lot_ids=[lot_id], country=country, export_date=export, arrival_date=arrival
        )
    return checks


def lot_checks_enqueue(lot_ids: Iterable[int]) -> None:
    """Queue the checks of received or changed lots; call it where the change commits."""
    from .tasks import lot_checks_run_task

    for lot_id in lot_ids:
        lot_checks_run_task.delay(lot_id)


def lot_inputs_changed(*, lot_id: int) -> None:
    """A lot's facts changed (dates, standard, attachments): its checks are stale until re-run.

    A lot that was never checked (still pledged) waits for intake instead.
    """
    if ComplianceCheck.objects.filter(lot_id=lot_id, is_current=True).update(is_stale=True):
        transaction.on_commit(lambda: lot_checks_enqueue([lot_id]))


def shipment_checks_run(*, shipment) -> list[ComplianceCheck]:
    """Check every active line's lot for the shipment's destination and dates, in one pass."""
    export, arrival = shipment_dates(shipment)
    lot_ids = list(shipment.lines.filter(released_at=None).values_list("lot_id", flat=True))
    if not lot_ids:
        return []
    return lots_check(
        lot_ids=lot_ids, country=shipment.city.country, export_date=export, arrival_date=arrival
    )


def shipment_checks_enqueue(*, shipment_id: int) -> None:
    """Queue the checks of a shipment's lines after the current transaction commits."""
    from .tasks import shipment_checks_run_task

    transaction.on_commit(lambda: shipment_checks_run_task.delay(shipment_id))


def shipment_blockers(shipment) -> list[dict]:
    """Why a shipment may not leave draft: each line whose check is missing, stale or failing.

    A check counts only if it was made for this destination, on this shipment's dates, from
    the lot's present facts and under the active rule set; a failing one needs an override.
    """
    country = shipment.city.country
    export, arrival = shipment_dates(shipment)
    version = rule_set_active().version
    lines = list(
        shipment.lines.filter(released_at=None)
        .select_related("lot__standard")
        .prefetch_related("lot__attachments")
        .order_by("id")
    )
    checks = {
        check.lot_id: check
        for check in ComplianceCheck.objects.filter(
            lot_id__in=[line.lot_id for line in lines], country=country, is_current=True
        )
    }
    blockers = []
    for line in lines:
        lot = line.lot
        check = checks.get(lot.pk)
        expected = check_fingerprint(
            lot_facts(lot), country=country, export=export, arrival=arrival, version=version
        )
        if check is None:
            blockers.append(
                _blocker(
                    lot,
                    "missing",
                    _("No compliance check for %(country)s yet.") % {"country": country},
                )
            )
        elif check.is_stale or check.input_fingerprint != expected:
            blockers.append(
                _blocker(lot, "stale", _("The check is out of date; it must be run again."), check)
            )
        elif check.result == ComplianceCheck.Result.FAIL and not check.is_overridden:
            failing = [f for f in check.findings if f["severity"] == "fail"]
            blockers.append(_blocker(lot, "fail", _("The check fails."), check, failing))
    return blockers


def _blocker(lot, reason, message, check=None, findings=()):
    return {
        "lot": lot.reference,
        "reason": reason,
        "message": f"{lot.reference}: {message}",
        "check": check.pk if check else None,
        "findings": list(findings),
    }


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
    lot = _lots_for_checks([lot.pk]).get()
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
