"""The evaluation: a rule book selects and compiles the rules that apply, then judges lots.

A ``RuleBook`` holds a validated, versioned rule set; for one destination and pair of dates
it compiles the rules that apply into a per-category plan, then evaluates any number of lots
against that plan. Plans are cached by what they select, not by the dates themselves: the
rule and route windows cut each side's calendar into a few intervals, and every pair of dates
in the same two intervals selects the same rules and routes, so lots shipped on thousands of
different dates share a handful of plans (and their memoised findings).

Dates: export-side rules and their routes are judged on the export date, destination-side
rules (and shelf life) on the arrival date.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Iterable
from pathlib import Path

from compliance.catalogue import (
    CATEGORIES,
    Catalogue,
    load_catalogue,
    load_ruleset_file,
    ruleset_files,
)
from compliance.engine.facts import RANK, RESULTS, Evaluation, LotFacts
from compliance.engine.kinds import (
    CHECKS,
    AlwaysCheck,
    Check,
    CompiledRule,
    Destination,
    RouteCheck,
    ShelfLifeCheck,
    compile_rule,
    in_window,
    matches_country,
)
from compliance.engine.schema import SIDE_DESTINATION, SIDE_EXPORT, validate_rules

# --------------------------------------------------------------------------- the rule book


class RuleBook:
    """A validated, versioned rule set bound to a catalogue."""

    def __init__(self, *, version: str, rules: tuple[CompiledRule, ...], catalogue: Catalogue):
        self.version = version
        self.catalogue = catalogue
        self._rules = rules
        self._order = {rule.id: index for index, rule in enumerate(rules)}
        self._plans: dict[tuple, dict[str, tuple[Check, ...]]] = {}
        self._destinations: dict[tuple, Destination] = {}
        self._bounds = {side: _boundaries(rules, side) for side in (SIDE_EXPORT, SIDE_DESTINATION)}

    @classmethod
    def from_data(cls, *, version: str, rules: list[dict], catalogue: Catalogue) -> RuleBook:
        """Validate rule dicts (YAML- or JSON-loaded) and build a rule book.

        Raises DataError (a ValueError) naming each problem by its path, e.g.
        ``rules[3].message_zh: Field required (rule 'CN-ANN5-NMPA')``.
        """
        if not isinstance(version, str) or not version:
            raise ValueError("rule book: version must be a non-empty string")
        validated = validate_rules(rules, catalogue)
        compiled = tuple(compile_rule(rule, catalogue) for rule in validated)
        return cls(version=version, rules=compiled, catalogue=catalogue)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The ids of the rules, in file order."""
        return tuple(rule.id for rule in self._rules)

    def evaluate(
        self,
        facts: LotFacts,
        *,
        country: str,
        export_date: dt.date,
        arrival_date: dt.date,
        min_shelf_life_days: int | None = None,
    ) -> Evaluation:
        """Evaluate one lot for a destination country, exported and arriving on given dates.

        ``min_shelf_life_days`` overrides the destination's shelf-life warning threshold.
        """
        return self.evaluate_many(
            (facts,),
            country=country,
            export_date=export_date,
            arrival_date=arrival_date,
            min_shelf_life_days=min_shelf_life_days,
        )[0]

    def evaluate_many(
        self,
        lots: Iterable[LotFacts],
        *,
        country: str,
        export_date: dt.date,
        arrival_date: dt.date,
        min_shelf_life_days: int | None = None,
    ) -> list[Evaluation]:
        """Evaluate many lots for one destination and pair of dates, in input order.

        The rules that apply are selected and compiled once per call; each lot then runs
        only its category's checks.
        """
        # Validated once per distinct arguments (their types too: True == 1, for one).
        args = (country, export_date, arrival_date, min_shelf_life_days)
        key = (*args, *map(type, args))
        try:
            env = self._destinations.get(key)
        except TypeError:  # unhashable: the validation below says what is wrong
            env = None
        if env is None:
            env = self._destination(*args)
            if len(self._destinations) >= _PLAN_CACHE_SIZE * 16:
                self._destinations.clear()
            self._destinations[key] = env
        plan = self._plan(env)
        results = []
        append = results.append
        for facts in lots:
            try:
                checks = plan[facts.category]
            except KeyError:
                raise ValueError(f"unknown category {facts.category!r}") from None
            findings = []
            worst = 0
            for check in checks:
                finding = check(facts, env)
                if finding is not None:
                    findings.append(finding)
                    rank = RANK[finding.severity]
                    if rank > worst:
                        worst = rank
            append(Evaluation(RESULTS[worst], tuple(findings)))
        return results

    def _plan(self, env: Destination) -> dict[str, tuple[Check, ...]]:
        """The plan for the destination: cached by the date intervals, not the dates."""
        key = (
            env.country,
            env.min_shelf_life_days,
            bisect_right(self._bounds[SIDE_EXPORT], env.export_date),
            bisect_right(self._bounds[SIDE_DESTINATION], env.arrival_date),
        )
        cached = self._plans.get(key)
        if cached is None:
            if len(self._plans) >= _PLAN_CACHE_SIZE:
                self._plans.clear()
            cached = self._plans[key] = self._build_plan(env)
        return cached

    def _build_plan(self, env: Destination) -> dict[str, tuple[Check, ...]]:
        """Select and compile the rules for ``env``; the checks keep nothing of its dates
        but the intervals they fall in (``_plan``), so the plan serves the whole interval."""
        export_date, arrival_date = env.export_date, env.arrival_date
        plan: dict[str, list[Check]] = {category: [] for category in CATEGORIES}
        covered: set[str] = set()
        deferred: list[CompiledRule] = []
        for rule in self._rules:
            day = export_date if rule.side == SIDE_EXPORT else arrival_date
            if not in_window(day, rule.effective_from, rule.effective_to):
                continue
            if rule.countries is not None and not matches_country(rule.countries, env):
                continue
            if rule.kind == "unprofiled_country":
                if env.profile is None:
                    for category in rule.categories or CATEGORIES:
                        plan[category].append(AlwaysCheck(rule))
                continue
            if rule.kind == "destination_unruled":
                deferred.append(rule)
                continue
            for category in rule.categories or CATEGORIES:
                check = self._compile(rule, env, category, day)
                plan[category].append(check)
                if rule.kind == "destination_accepts":
                    covered.add(category)
        for rule in deferred:
            if env.profile is None:
                continue  # unprofiled_country speaks for the whole destination
            for category in rule.categories or CATEGORIES:
                if category not in covered:
                    plan[category].append(AlwaysCheck(rule))
        order = self._order
        return {
            category: tuple(sorted(checks, key=lambda check: order[check.rule.id]))
            for category, checks in plan.items()
        }

    def _compile(self, rule: CompiledRule, env: Destination, category: str, day: dt.date) -> Check:
        kind = rule.kind
        if kind in ("export_requirement", "destination_accepts"):
            open_routes, closed_routes = [], []
            for route in rule.routes:
                if route.categories is not None and category not in route.categories:
                    continue
                if route.countries is not None and not matches_country(route.countries, env):
                    continue
                (open_routes if route.in_window(day) else closed_routes).append(route)
            return RouteCheck(rule, open_routes, closed_routes)
        if kind == "shelf_life":
            return ShelfLifeCheck(rule, env.min_shelf_life_days)
        return CHECKS[kind](rule)

    def _destination(
        self,
        country: str,
        export_date: dt.date,
        arrival_date: dt.date,
        min_shelf_life_days: int | None,
    ) -> Destination:
        if not isinstance(country, str) or not re.fullmatch(r"[A-Za-z]{2}", country):
            raise ValueError(f"country must be an ISO 3166-1 alpha-2 code, got {country!r}")
        for name, value in (("export_date", export_date), ("arrival_date", arrival_date)):
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                raise ValueError(f"{name} must be a date, got {value!r}")
        if arrival_date < export_date:
            raise ValueError(f"arrival_date {arrival_date} is before export_date {export_date}")
        if min_shelf_life_days is not None and (
            not isinstance(min_shelf_life_days, int)
            or isinstance(min_shelf_life_days, bool)
            or min_shelf_life_days < 0
        ):
            raise ValueError(
                f"min_shelf_life_days must be a whole number >= 0, got {min_shelf_life_days!r}"
            )
        country = country.upper()
        profile = self.catalogue.countries.get(country)
        if min_shelf_life_days is None and profile is not None:
            min_shelf_life_days = profile["min_shelf_life_days"]
        return Destination(
            catalogue=self.catalogue,
            country=country,
            profile=profile["profile"] if profile else None,
            country_name=profile["name"] if profile else country,
            country_name_zh=profile["name_zh"] if profile else country,
            export_date=export_date,
            arrival_date=arrival_date,
            min_shelf_life_days=min_shelf_life_days,
        )


# Compiled plans are reused across calls for the same destination and date intervals.
_PLAN_CACHE_SIZE = 256
_ONE_DAY = dt.timedelta(days=1)


def _boundaries(rules: Iterable[CompiledRule], side: str) -> tuple[dt.date, ...]:
    """The days on which a window of a ``side`` rule or of one of its routes opens or has
    just closed, sorted: two days with as many boundaries on or before them fall in the same
    windows (``in_window``), so they select the same rules and routes."""
    days = set()
    for rule in rules:
        if rule.side != side:
            continue
        windows = [(rule.effective_from, rule.effective_to)]
        windows += [(route.effective_from, route.effective_to) for route in rule.routes]
        for start, end in windows:
            if start is not None:
                days.add(start)
            if end is not None and end < dt.date.max:
                days.add(end + _ONE_DAY)
    return tuple(sorted(days))


def load_rulebook(path: Path | None = None, catalogue: Catalogue | None = None) -> RuleBook:
    """Build the rule book from a rule set file (default: the newest shipped version)."""
    catalogue = catalogue or load_catalogue()
    data = load_ruleset_file(path or ruleset_files()[-1])
    return RuleBook.from_data(version=data["version"], rules=data["rules"], catalogue=catalogue)
