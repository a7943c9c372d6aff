"""Reads of the compliance app. Nothing here writes (not even a first-use load)."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from partners.models import SisterCity
from sfiec.exceptions import DomainError
from sfiec.roles import Role

from .facts import check_fingerprint, lot_facts, lots_for_checks
from .models import ComplianceCheck, RuleSet


def check_list() -> QuerySet[ComplianceCheck]:
    return ComplianceCheck.objects.select_related(
        "lot", "rule_set", "overridden_by"
    ).with_findings()


def checks_current_for_lot(*, lot_id: int) -> QuerySet[ComplianceCheck]:
    return check_list().filter(lot_id=lot_id, is_current=True).order_by("country")


def active_cities():
    return SisterCity.objects.filter(is_active=True).order_by("name")


def rule_set_active() -> RuleSet:
    """The rule set new checks use.

    The shipped rule sets are loaded after every ``migrate`` and by ``manage.py load_rules``
    (``services.rules_load``); a read never loads them.
    """
    active = RuleSet.objects.filter(is_active=True).first()
    if active is None:
        raise DomainError(
            _("No compliance rule set is active; run “manage.py load_rules” to load the rules.")
        )
    return active


def lots_blockers(
    *, lot_ids: Iterable[int], country: str, export_date: dt.date, arrival_date: dt.date
) -> dict[int, dict]:
    """Why each of these lots may not go to ``country`` on these dates, by lot id.

    A lot is absent from the answer when its current check for the country was made on these
    dates, from the lot's present facts, under the active rule set, and passes, warns or is
    overridden. Otherwise its blocker says why: ``missing``, ``stale`` or ``fail`` (with the
    failing rules and who may override them). A fixed number of queries.
    """
    country = country.upper()
    version = rule_set_active().version
    lots = {lot.pk: lot for lot in lots_for_checks(lot_ids)}
    checks = {
        check.lot_id: check
        for check in ComplianceCheck.objects.filter(
            lot_id__in=list(lots), country=country, is_current=True
        ).with_findings()
    }
    blockers = {}
    for lot_id, lot in lots.items():
        check = checks.get(lot_id)
        expected = check_fingerprint(
            lot_facts(lot),
            country=country,
            export=export_date,
            arrival=arrival_date,
            version=version,
        )
        if check is None:
            blockers[lot_id] = _blocker(
                lot, "missing", _("No compliance check for %(country)s yet.") % {"country": country}
            )
        elif check.is_stale or check.input_fingerprint != expected:
            blockers[lot_id] = _blocker(
                lot, "stale", _("The check is out of date; it must be run again."), check
            )
        elif check.result == ComplianceCheck.Result.FAIL and not check.is_overridden:
            failing = [f for f in check.findings if f["severity"] == "fail"]
            rules = sorted({f["rule"] for f in failing})
            message = _(
                "The check fails on %(rules)s; a %(role)s may override it with a justification."
            ) % {"rules": ", ".join(rules), "role": str(Role.COMPLIANCE.label).lower()}
            if check.override_lapsed:
                message = f"{message} {check.override_lapsed}"
            blockers[lot_id] = _blocker(lot, "fail", message, check, failing)
    return blockers


def _blocker(lot, reason, message, check=None, findings=()):
    findings = list(findings)
    return {
        "lot": lot.reference,
        "lot_id": lot.pk,
        "reason": reason,
        "message": f"{lot.reference}: {message}",
        "check": check.pk if check else None,
        "findings": findings,
        "rules": sorted({f["rule"] for f in findings}),
        # Who can clear it: a failing check is overridden by a compliance officer; a missing
        # or stale one is cleared by running the check again.
        "override_role": Role.COMPLIANCE.value if reason == "fail" else None,
        "override_lapsed": check.override_lapsed if check else "",
    }
