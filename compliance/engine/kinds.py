"""The rule kinds: each validated rule compiled into a check that judges one lot.

``compile_rule`` turns a validated rule (``compliance.engine.schema``) into the frozen
``CompiledRule`` the checks read; ``CHECKS`` maps each kind to its check class. A check is
compiled for one category of one destination and the routes open on its day (see
``RuleBook``), and is called once per lot with the ``Destination`` (country and dates) of
the evaluation; findings that depend only on a few of the lot's facts are memoised, with the
dates in the key when the rule's messages quote them.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from compliance.catalogue import ATTACHMENT_KINDS, Catalogue, is_valid_hs_code
from compliance.engine.facts import RANK, RESULT_PASS, Finding, LotFacts
from compliance.engine.schema import RuleBase


@dataclass(frozen=True, slots=True)
class CompiledRoute:
    """A validated route, with its accepted standards (groups expanded) as a set."""

    id: str
    title: str
    title_zh: str
    severity: str
    message: str
    message_zh: str
    source: str
    standards: frozenset[str] | None
    standard_required: bool
    categories: frozenset[str] | None
    countries: frozenset[str] | None
    attachments_all: frozenset[str]
    attachments_any: frozenset[str]
    whitelisted: bool
    effective_from: dt.date | None
    effective_to: dt.date | None

    def in_window(self, day: dt.date) -> bool:
        return in_window(day, self.effective_from, self.effective_to)

    def admits(self, facts: LotFacts) -> bool:
        standard = facts.standard
        if self.standards is not None and standard not in self.standards:
            return False
        if self.standard_required and not standard:
            return False
        if self.whitelisted and not facts.manufacturer_whitelisted:
            return False
        attachments = facts.attachments
        if not self.attachments_all <= attachments:
            return False
        return not self.attachments_any or not self.attachments_any.isdisjoint(attachments)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A validated rule as the checks read it."""

    id: str
    kind: str
    side: str
    countries: frozenset[str] | None
    categories: frozenset[str] | None
    effective_from: dt.date
    effective_to: dt.date | None
    severity: str
    message: str
    message_zh: str
    source: str
    params: dict
    routes: tuple[CompiledRoute, ...] = ()
    # The messages quote the export or arrival date: memoised findings are keyed by them.
    dated: bool = False


# --------------------------------------------------------------------------- messages


def in_window(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def _window_text(start: dt.date | None, end: dt.date | None) -> tuple[str, str]:
    if start and end:
        return f"{start} to {end}", f"{start} 至 {end}"
    if start:
        return f"from {start}, no end date known", f"自 {start} 起，结束日期未知"
    if end:
        return f"until {end}", f"至 {end} 止"
    return "without a time limit", "无时间限制"


@dataclass(frozen=True, slots=True)
class Destination:
    """The evaluation's fixed inputs: destination, dates and shelf-life threshold."""

    catalogue: Catalogue
    country: str
    profile: str | None
    country_name: str
    country_name_zh: str
    export_date: dt.date
    arrival_date: dt.date
    min_shelf_life_days: int | None


class _Placeholders(dict):
    """Template values, computed only when a template asks for them."""

    __slots__ = ("facts", "env", "window")

    def __init__(self, facts, env, window, **extra):
        super().__init__(extra)
        self.facts = facts
        self.env = env
        self.window = window

    def __missing__(self, key: str) -> str:
        value = _PLACEHOLDER_VALUES[key](self)
        self[key] = value
        return value


def _standard_spec(p: _Placeholders):
    return p.env.catalogue.standards.get(p.facts.standard or "")


_PLACEHOLDER_VALUES: dict[str, Callable[[_Placeholders], str]] = {
    "country": lambda p: p.env.country,
    "country_name": lambda p: p.env.country_name,
    "country_name_zh": lambda p: p.env.country_name_zh,
    "category": lambda p: p.facts.category,
    "category_name": lambda p: p.env.catalogue.hs_codes[p.facts.category]["label"],
    "category_name_zh": lambda p: p.env.catalogue.hs_codes[p.facts.category]["label_zh"],
    "standard": lambda p: p.facts.standard or "no declared standard",
    "standard_zh": lambda p: p.facts.standard or "未注明标准",
    "standard_title": lambda p: (
        spec.title if (spec := _standard_spec(p)) else (p.facts.standard or "no declared standard")
    ),
    "standard_title_zh": lambda p: (
        spec.title_zh if (spec := _standard_spec(p)) else (p.facts.standard or "未注明标准")
    ),
    "export_date": lambda p: p.env.export_date.isoformat(),
    "arrival_date": lambda p: p.env.arrival_date.isoformat(),
    "window": lambda p: _window_text(*p.window)[0],
    "window_zh": lambda p: _window_text(*p.window)[1],
    "hs_code": lambda p: _effective_hs_code(p.facts, p.env.catalogue) or "none",
}


def _effective_hs_code(facts: LotFacts, catalogue: Catalogue) -> str | None:
    if facts.hs_code:
        return facts.hs_code.strip()
    return catalogue.hs_codes[facts.category]["hs"]


def _kinds_text(kinds: Iterable[str], catalogue: Catalogue) -> tuple[str, str]:
    """Attachment kinds as an English list of slugs and a Chinese list of labels."""
    wanted = set(kinds)
    ordered = [kind for kind in ATTACHMENT_KINDS if kind in wanted]
    chinese = "、".join(
        catalogue.attachment_kinds.get(kind, {}).get("label_zh", kind) for kind in ordered
    )
    return ", ".join(ordered), chinese


def _finding(rule: CompiledRule, severity: str, message: str, message_zh: str, values, source=None):
    return Finding(
        rule=rule.id,
        severity=severity,
        message=message.format_map(values),
        message_zh=message_zh.format_map(values),
        source=source or rule.source,
    )


# --------------------------------------------------------------------------- compiled checks


class Check:
    """One rule compiled for one category of one destination and the routes open on its day;
    called with a lot's facts and the evaluation's ``Destination`` (its dates)."""

    __slots__ = ("rule", "window")

    def __init__(self, rule: CompiledRule):
        self.rule = rule
        self.window = (rule.effective_from, rule.effective_to)

    def __call__(self, facts: LotFacts, env: Destination) -> Finding | None:
        raise NotImplementedError

    def values(self, facts: LotFacts, env: Destination, window=None, **extra) -> _Placeholders:
        return _Placeholders(facts, env, window or self.window, **extra)

    def emit(self, facts: LotFacts, env: Destination, **extra) -> Finding:
        rule = self.rule
        return _finding(
            rule, rule.severity, rule.message, rule.message_zh, self.values(facts, env, **extra)
        )


_MEMO_LIMIT = 4096
# A finding that quotes the dates, or the days left, serves the lots of one shipment: plans
# serve every date in their windows, so these memos keep only the recent ones.
_DATED_MEMO_LIMIT = 256


class MemoCheck(Check):
    """A check whose finding depends only on the lot's standard, whitelist flag, HS code and
    the attachment kinds the check reads (``kinds``), and on the dates only if its messages
    quote them, so it is computed once per distinct combination: lots mostly share these,
    while formatting messages is costly."""

    __slots__ = ("memo", "kinds", "limit")

    def __init__(self, rule: CompiledRule, kinds: frozenset[str] = frozenset()):
        super().__init__(rule)
        self.memo: dict = {}
        self.kinds = kinds
        self.limit = _DATED_MEMO_LIMIT if rule.dated else _MEMO_LIMIT

    def __call__(self, facts: LotFacts, env: Destination) -> Finding | None:
        key = (
            facts.standard,
            facts.attachments & self.kinds if self.kinds else None,
            facts.manufacturer_whitelisted,
            facts.hs_code,
            (env.export_date, env.arrival_date) if self.rule.dated else None,
        )
        try:
            return self.memo[key]
        except KeyError:
            if len(self.memo) >= self.limit:
                self.memo.clear()  # plans are cached; keep a long-lived process bounded
            finding = self.memo[key] = self.compute(facts, env)
            return finding

    def compute(self, facts: LotFacts, env: Destination) -> Finding | None:
        raise NotImplementedError


class RouteCheck(MemoCheck):
    """export_requirement / destination_accepts: the lot must qualify through one route."""

    __slots__ = ("open_routes", "closed_routes", "explained")

    def __init__(self, rule, open_routes, closed_routes):
        kinds = frozenset().union(
            *(route.attachments_all | route.attachments_any for route in open_routes)
        )
        super().__init__(rule, kinds)
        # Routes that give the mildest outcome are tried first.
        self.open_routes = tuple(sorted(open_routes, key=lambda route: RANK[route.severity]))
        self.closed_routes = tuple(closed_routes)
        # Why no route admits a lot does not depend on the dates: a rule whose message
        # quotes them (memoised per pair of dates) explains each kind of lot once.
        self.explained: dict = {}

    def compute(self, facts: LotFacts, env: Destination) -> Finding | None:
        for route in self.open_routes:
            if route.admits(facts):
                if route.severity == RESULT_PASS:
                    return None
                window = (route.effective_from, route.effective_to)
                return _finding(
                    self.rule,
                    route.severity,
                    route.message,
                    route.message_zh,
                    self.values(facts, env, window),
                    source=route.source,
                )
        key = (facts.standard, facts.attachments & self.kinds, facts.manufacturer_whitelisted)
        texts = self.explained.get(key)
        if texts is None:
            if len(self.explained) >= _MEMO_LIMIT:
                self.explained.clear()
            texts = self.explained[key] = self.explain(facts, env.catalogue)
        english, chinese = texts
        return self.emit(facts, env, routes=english, routes_zh=chinese)

    def explain(self, facts: LotFacts, catalogue: Catalogue) -> tuple[str, str]:
        lines_en, lines_zh = [], []
        for route in self.open_routes:
            reasons_en, reasons_zh = [], []
            if route.standards is not None and facts.standard not in route.standards:
                accepted = sorted(route.standards)
                accepted_en, accepted_zh = ", ".join(accepted), "、".join(accepted)
                if facts.standard:
                    reasons_en.append(
                        f"standard {facts.standard} not accepted (accepts {accepted_en})"
                    )
                    reasons_zh.append(f"标准 {facts.standard} 不在接受范围（接受 {accepted_zh}）")
                else:
                    reasons_en.append(f"no declared standard (accepts {accepted_en})")
                    reasons_zh.append(f"未注明标准（接受 {accepted_zh}）")
            elif route.standard_required and not facts.standard:
                reasons_en.append("no declared standard")
                reasons_zh.append("未注明标准")
            missing = route.attachments_all - facts.attachments
            if missing:
                english, chinese = _kinds_text(missing, catalogue)
                reasons_en.append(f"missing {english}")
                reasons_zh.append(f"缺少{chinese}")
            if route.attachments_any and route.attachments_any.isdisjoint(facts.attachments):
                english, chinese = _kinds_text(route.attachments_any, catalogue)
                reasons_en.append(f"needs one of {english}")
                reasons_zh.append(f"需提供以下任一：{chinese}")
            if route.whitelisted and not facts.manufacturer_whitelisted:
                reasons_en.append("manufacturer not on the export whitelist")
                reasons_zh.append("生产企业不在出口白名单")
            lines_en.append(f"{route.title} — {', '.join(reasons_en)}")
            lines_zh.append(f"{route.title_zh}——{'，'.join(reasons_zh)}")
        for route in self.closed_routes:
            english, chinese = _window_text(route.effective_from, route.effective_to)
            lines_en.append(f"{route.title} — only {english}")
            lines_zh.append(f"{route.title_zh}——仅限 {chinese}")
        return (
            "Routes not met: " + "; ".join(lines_en) + ".",
            "未满足的途径：" + "；".join(lines_zh) + "。",
        )


class InspectionCheck(MemoCheck):
    """export_inspection: the lot's Chinese code is on the statutory inspection list."""

    __slots__ = ("codes",)

    def __init__(self, rule):
        super().__init__(rule)
        self.codes = rule.params["codes"]

    def compute(self, facts: LotFacts, env: Destination) -> Finding | None:
        digits = (facts.hs_code or "").replace(".", "").replace(" ", "")
        if len(digits) == 10:
            matched = [digits] if digits in self.codes else []
        elif digits:
            # A six- or eight-digit code may hide several listed ten-digit codes.
            matched = [code for code in self.codes if code.startswith(digits)]
        else:
            cn = env.catalogue.hs_codes[facts.category]["cn"]
            matched = [cn] if cn in self.codes else []
        if not matched:
            return None
        english = ", ".join(f"{code} ({self.codes[code]['label']})" for code in matched)
        chinese = "、".join(f"{code}（{self.codes[code]['label_zh']}）" for code in matched)
        return self.emit(facts, env, codes=english, codes_zh=chinese)


class ShelfLifeCheck(Check):
    """shelf_life: expired at arrival, too little left at arrival, or no expiry recorded."""

    __slots__ = ("check", "min_days", "fraction", "memo")

    def __init__(self, rule, min_shelf_life_days: int | None):
        super().__init__(rule)
        self.memo: dict = {}
        self.check = rule.params["check"]
        self.fraction = rule.params.get("short_life_fraction")
        self.min_days = min_shelf_life_days
        if self.min_days is None:
            self.min_days = rule.params["default_min_days"]

    def __call__(self, facts: LotFacts, env: Destination) -> Finding | None:
        expiry = facts.expiry_date
        if self.check == "unknown":
            return self.remember(facts, env, None) if expiry is None else None
        if expiry is None:
            return None
        days_left = (expiry - env.arrival_date).days
        if self.check == "expired":
            return self.remember(facts, env, days_left) if days_left < 0 else None
        if days_left < 0:
            return None  # the "expired" check reports it
        threshold = self.min_days
        if self.fraction and facts.manufacture_date:
            total = (expiry - facts.manufacture_date).days
            if 0 < total < threshold:
                # Short-lived goods: half their life at arrival is enough (WHO, as reported).
                threshold = int(total * self.fraction)
        if days_left >= threshold:
            return None
        return self.remember(facts, env, days_left, threshold)

    def remember(
        self, facts: LotFacts, env: Destination, days_left: int | None, threshold: int = 0
    ) -> Finding:
        key = (
            facts.expiry_date,
            threshold,
            facts.standard,
            facts.hs_code,
            env.arrival_date,
            env.export_date if self.rule.dated else None,
        )
        finding = self.memo.get(key)
        if finding is None:
            if len(self.memo) >= _DATED_MEMO_LIMIT:
                self.memo.clear()
            if days_left is None:
                extra = dict.fromkeys(("expiry_date", "days_left", "days_expired"), "—")
            else:
                extra = {
                    "expiry_date": facts.expiry_date.isoformat(),
                    "days_left": str(days_left),
                    "days_expired": str(-days_left),
                }
            extra["min_days"] = str(threshold or self.min_days)
            finding = self.memo[key] = self.emit(facts, env, **extra)
        return finding


class HsCodeCheck(MemoCheck):
    """hs_code_known: the lot has a valid HS code, given or derived from its category."""

    __slots__ = ()

    def compute(self, facts: LotFacts, env: Destination) -> Finding | None:
        if facts.hs_code:
            if is_valid_hs_code(facts.hs_code):
                return None
            params = self.rule.params
            return _finding(
                self.rule,
                self.rule.severity,
                params["invalid_message"],
                params["invalid_message_zh"],
                self.values(facts, env),
            )
        if env.catalogue.hs_codes[facts.category]["hs"]:
            return None
        return self.emit(facts, env)


class AttachmentsCheck(MemoCheck):
    """attachments_required: all of some kinds and/or at least one of others."""

    __slots__ = ("all_of", "any_of")

    def __init__(self, rule):
        self.all_of = frozenset(rule.params.get("all_of") or ())
        self.any_of = frozenset(rule.params.get("any_of") or ())
        super().__init__(rule, self.all_of | self.any_of)

    def compute(self, facts: LotFacts, env: Destination) -> Finding | None:
        catalogue = env.catalogue
        parts_en, parts_zh = [], []
        missing = self.all_of - facts.attachments
        if missing:
            english, chinese = _kinds_text(missing, catalogue)
            parts_en.append(english)
            parts_zh.append(chinese)
        if self.any_of and self.any_of.isdisjoint(facts.attachments):
            english, chinese = _kinds_text(self.any_of, catalogue)
            parts_en.append(f"one of {english}")
            parts_zh.append(f"以下任一：{chinese}")
        if not parts_en:
            return None
        return self.emit(facts, env, missing="; ".join(parts_en), missing_zh="；".join(parts_zh))


class StandardCategoryCheck(MemoCheck):
    """standard_matches_category: a declared standard is catalogued for the lot's category."""

    __slots__ = ()

    def compute(self, facts: LotFacts, env: Destination) -> Finding | None:
        if not facts.standard:
            return None
        spec = env.catalogue.standards.get(facts.standard)
        if spec is not None and facts.category in spec.category:
            return None
        return self.emit(facts, env)


class AlwaysCheck(MemoCheck):
    """notice, unprofiled_country, destination_unruled: applicability is decided when the
    plan is built, so every lot that reaches the check gets the finding."""

    __slots__ = ()

    def compute(self, facts: LotFacts, env: Destination) -> Finding:
        return self.emit(facts, env)


def matches_country(countries: frozenset[str], env: Destination) -> bool:
    """True if the destination is one of the countries or has one of the profiles."""
    return env.country in countries or (env.profile is not None and env.profile in countries)


# Kinds whose checks are compiled per category; export_requirement and destination_accepts
# (RouteCheck) need the routes open on the day, unprofiled_country and destination_unruled
# are decided by the plan itself (AlwaysCheck).
CHECKS: dict[str, type[Check]] = {
    "export_inspection": InspectionCheck,
    "shelf_life": ShelfLifeCheck,
    "hs_code_known": HsCodeCheck,
    "attachments_required": AttachmentsCheck,
    "standard_matches_category": StandardCategoryCheck,
    "notice": AlwaysCheck,
}


def _set(values) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


def compile_route(route, catalogue: Catalogue) -> CompiledRoute:
    """A validated route (``schema.Route``) with its groups expanded into standards."""
    standards = None
    if route.standards is not None or route.groups is not None:
        accepted = set(route.standards or ())
        for slug in route.groups or ():
            accepted |= set(catalogue.equivalence(slug).members)
        standards = frozenset(accepted)
    return CompiledRoute(
        id=route.id,
        title=route.title,
        title_zh=route.title_zh,
        severity=route.severity,
        message=route.message or "",
        message_zh=route.message_zh or "",
        source=route.source,
        standards=standards,
        standard_required=route.standard_required or standards is not None,
        categories=_set(route.categories),
        countries=_set(route.countries),
        attachments_all=frozenset(route.attachments_all or ()),
        attachments_any=frozenset(route.attachments_any or ()),
        whitelisted=route.whitelisted,
        effective_from=route.effective_from,
        effective_to=route.effective_to,
    )


_DATE_PLACEHOLDERS = frozenset({"export_date", "arrival_date"})


def _quotes_dates(*templates: str | None) -> bool:
    """True if any of the message templates quotes the export or arrival date."""
    return any(
        name in _DATE_PLACEHOLDERS
        for text in templates
        if text
        for _literal, name, _spec, _conversion in string.Formatter().parse(text)
    )


def compile_rule(rule: RuleBase, catalogue: Catalogue) -> CompiledRule:
    """A validated rule as the checks read it."""
    routes = getattr(rule.params, "routes", ())
    params = rule.params.model_dump(exclude={"routes"})
    templates = [rule.message, rule.message_zh]
    templates += [params.get("invalid_message"), params.get("invalid_message_zh")]
    for route in routes:
        templates += [route.message, route.message_zh]
    return CompiledRule(
        id=rule.id,
        kind=rule.kind,
        side=rule.applies_to.side,
        countries=_set(rule.applies_to.countries),
        categories=_set(rule.applies_to.categories),
        effective_from=rule.effective_from,
        effective_to=rule.effective_to,
        severity=rule.severity,
        message=rule.message,
        message_zh=rule.message_zh,
        source=rule.source,
        params=params,
        routes=tuple(compile_route(route, catalogue) for route in routes),
        dated=_quotes_dates(*templates),
    )
