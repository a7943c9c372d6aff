"""The export-compliance rule engine: evaluates material lots against versioned rule data.

Pure Python (no Django, no database). Rules are data (see ``compliance/data/rulesets/``),
interpreted by the closed set of rule kinds in ``RULE_KINDS``. A ``RuleBook`` validates the
rules once; for one destination and pair of dates it compiles the rules that apply into a
per-category plan, then evaluates any number of lots against that plan.

Dates: export-side rules and their routes are judged on the export date, destination-side
rules (and shelf life) on the arrival date.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance.catalogue import (
    ATTACHMENT_KINDS,
    CATEGORIES,
    Catalogue,
    is_valid_hs_code,
    load_catalogue,
    load_ruleset_file,
    ruleset_files,
)

RESULT_PASS, RESULT_WARN, RESULT_FAIL = "pass", "warn", "fail"
SEVERITY_INFO, SEVERITY_WARN, SEVERITY_FAIL = "info", "warn", "fail"
SEVERITIES = (SEVERITY_INFO, SEVERITY_WARN, SEVERITY_FAIL)
# A route's severity is the finding it produces when a lot qualifies through it; "pass"
# qualifies silently.
ROUTE_SEVERITIES = (RESULT_PASS, SEVERITY_INFO, SEVERITY_WARN)
SIDE_EXPORT, SIDE_DESTINATION = "export", "destination"
RULE_SOURCE_STATUSES = ("V", "P", "I")

_RANK = {RESULT_PASS: 0, SEVERITY_INFO: 0, SEVERITY_WARN: 1, SEVERITY_FAIL: 2}
_RULE_ID = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
_ROUTE_ID = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


# --------------------------------------------------------------------------- public data


@dataclass(frozen=True, slots=True)
class LotFacts:
    """What the engine needs to know about one material lot."""

    category: str
    standard: str | None
    manufacture_date: dt.date | None
    expiry_date: dt.date | None
    attachments: frozenset[str]
    manufacturer_whitelisted: bool = False
    hs_code: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.attachments, frozenset):
            # Lots are memoised by their attachments, which must therefore be hashable.
            object.__setattr__(self, "attachments", frozenset(self.attachments))


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict on a lot, in English and Chinese, with the rule's source."""

    rule: str
    severity: str
    message: str
    message_zh: str
    source: str

    def as_dict(self) -> dict:
        """The finding as a JSON-safe dict."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "message_zh": self.message_zh,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The overall result (the worst finding's severity; "info" counts as pass)."""

    result: str
    findings: tuple[Finding, ...]

    def as_dict(self) -> dict:
        """The evaluation as a JSON-safe dict: ``{"result", "findings": [...]}``."""
        return {"result": self.result, "findings": [f.as_dict() for f in self.findings]}


# --------------------------------------------------------------------------- rule kinds

_BASE_PLACEHOLDERS = frozenset(
    {
        "country",
        "country_name",
        "country_name_zh",
        "category",
        "category_name",
        "category_name_zh",
        "standard",
        "standard_zh",
        "standard_title",
        "standard_title_zh",
        "export_date",
        "arrival_date",
        "window",
        "window_zh",
        "hs_code",
    }
)


@dataclass(frozen=True)
class _KindSpec:
    sides: tuple[str, ...]
    params: dict[str, bool]  # param name -> required
    placeholders: frozenset[str] = frozenset()


RULE_KINDS: dict[str, _KindSpec] = {
    "export_requirement": _KindSpec(
        (SIDE_EXPORT,), {"routes": True}, frozenset({"routes", "routes_zh"})
    ),
    "destination_accepts": _KindSpec(
        (SIDE_DESTINATION,), {"routes": True}, frozenset({"routes", "routes_zh"})
    ),
    "export_inspection": _KindSpec(
        (SIDE_EXPORT,), {"codes": True}, frozenset({"codes", "codes_zh"})
    ),
    "shelf_life": _KindSpec(
        (SIDE_DESTINATION,),
        {"check": True, "default_min_days": False, "short_life_fraction": False},
        frozenset({"expiry_date", "days_left", "days_expired", "min_days"}),
    ),
    "hs_code_known": _KindSpec(
        (SIDE_EXPORT,), {"invalid_message": True, "invalid_message_zh": True}
    ),
    "attachments_required": _KindSpec(
        (SIDE_EXPORT, SIDE_DESTINATION),
        {"all_of": False, "any_of": False},
        frozenset({"missing", "missing_zh"}),
    ),
    "standard_matches_category": _KindSpec((SIDE_EXPORT, SIDE_DESTINATION), {}),
    "unprofiled_country": _KindSpec((SIDE_DESTINATION,), {}),
    "destination_unruled": _KindSpec((SIDE_DESTINATION,), {}),
    "notice": _KindSpec((SIDE_EXPORT, SIDE_DESTINATION), {}),
}
SHELF_LIFE_CHECKS = ("expired", "short", "unknown")
DEFAULT_MIN_SHELF_LIFE_DAYS = 365

_RULE_FIELDS = (
    "id",
    "kind",
    "title",
    "applies_to",
    "effective_from",
    "effective_to",
    "severity",
    "message",
    "message_zh",
    "source",
    "source_status",
    "params",
)
_RULE_OPTIONAL_FIELDS = ("title_zh", "notes")
_ROUTE_FIELDS = ("id", "title", "title_zh", "severity", "source", "source_status")
_ROUTE_OPTIONAL_FIELDS = (
    "message",
    "message_zh",
    "standards",
    "groups",
    "standard_required",
    "categories",
    "countries",
    "attachments_all",
    "attachments_any",
    "whitelisted",
    "effective_from",
    "effective_to",
    "notes",
)


@dataclass(frozen=True, slots=True)
class _Route:
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
        return _in_window(day, self.effective_from, self.effective_to)

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
class _Rule:
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
    routes: tuple[_Route, ...] = ()


# --------------------------------------------------------------------------- validation


def _error(rule_id: str, field: str, problem: str) -> ValueError:
    return ValueError(f"rule {rule_id!r}, field {field!r}: {problem}")


def _parse_date(value: Any, rule_id: str, field: str, *, nullable: bool) -> dt.date | None:
    if value is None:
        if nullable:
            return None
        raise _error(rule_id, field, "a date (YYYY-MM-DD) is required")
    if isinstance(value, dt.datetime):
        raise _error(rule_id, field, f"expected a date, not a date-time: {value!r}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _error(rule_id, field, f"not a valid date (YYYY-MM-DD): {value!r}")


def _check_window(start: dt.date | None, end: dt.date | None, rule_id: str, field: str) -> None:
    if start and end and end < start:
        raise _error(rule_id, field, f"ends ({end}) before it starts ({start})")


def _check_text(value: Any, rule_id: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _error(rule_id, field, "must be a non-empty string")
    return value


def _check_template(
    value: Any, rule_id: str, field: str, allowed: frozenset[str], *, chinese: bool
) -> str:
    text = _check_text(value, rule_id, field)
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise _error(rule_id, field, f"malformed template: {exc}") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            raise _error(
                rule_id,
                field,
                f"unknown placeholder {{{name}}}; allowed: {', '.join(sorted(allowed))}",
            )
    if chinese and not _CJK.search(text):
        raise _error(rule_id, field, "must be written in Chinese")
    return text


def _check_list(
    value: Any, rule_id: str, field: str, allowed: Iterable[str], what: str
) -> frozenset[str]:
    if not isinstance(value, list) or not value:
        raise _error(rule_id, field, f"must be a non-empty list of {what}")
    allowed = set(allowed)
    for item in value:
        if item not in allowed:
            raise _error(rule_id, field, f"unknown {what[:-1]} {item!r}")
    return frozenset(value)


def _check_fields(entry: Any, required: tuple, optional: tuple, rule_id: str, prefix: str) -> None:
    if not isinstance(entry, dict):
        raise _error(rule_id, prefix.rstrip(".") or "rule", "must be a mapping")
    for name in required:
        if name not in entry:
            raise _error(rule_id, f"{prefix}{name}", "is missing")
    unknown = set(entry) - set(required) - set(optional)
    if unknown:
        raise _error(rule_id, f"{prefix}{sorted(unknown)[0]}", "unknown field")


def _countries_allowed(catalogue: Catalogue) -> set[str]:
    return set(catalogue.countries) | set(catalogue.profiles)


def _parse_route(raw: Any, rule: dict, catalogue: Catalogue, index: int) -> _Route:
    rule_id = rule["id"]
    prefix = f"params.routes[{index}]."
    _check_fields(raw, _ROUTE_FIELDS, _ROUTE_OPTIONAL_FIELDS, rule_id, prefix)
    if not isinstance(raw["id"], str) or not _ROUTE_ID.match(raw["id"]):
        raise _error(rule_id, prefix + "id", "must be lower_snake_case")
    _check_text(raw["title"], rule_id, prefix + "title")
    _check_template(raw["title_zh"], rule_id, prefix + "title_zh", frozenset(), chinese=True)
    severity = raw["severity"]
    if severity not in ROUTE_SEVERITIES:
        raise _error(rule_id, prefix + "severity", f"must be one of {ROUTE_SEVERITIES}")
    message = message_zh = ""
    if severity != RESULT_PASS or "message" in raw or "message_zh" in raw:
        message = _check_template(
            raw.get("message"), rule_id, prefix + "message", _BASE_PLACEHOLDERS, chinese=False
        )
        message_zh = _check_template(
            raw.get("message_zh"), rule_id, prefix + "message_zh", _BASE_PLACEHOLDERS, chinese=True
        )
    _check_text(raw["source"], rule_id, prefix + "source")
    if raw["source_status"] not in RULE_SOURCE_STATUSES:
        raise _error(rule_id, prefix + "source_status", f"must be one of {RULE_SOURCE_STATUSES}")

    standards = None
    if "standards" in raw or "groups" in raw:
        accepted: set[str] = set()
        if "standards" in raw:
            accepted |= _check_list(
                raw["standards"], rule_id, prefix + "standards", catalogue.standards, "standards"
            )
        if "groups" in raw:
            slugs = [group.slug for group in catalogue.equivalences]
            for slug in _check_list(raw["groups"], rule_id, prefix + "groups", slugs, "groups"):
                accepted |= set(catalogue.equivalence(slug).members)
        standards = frozenset(accepted)
    standard_required = raw.get("standard_required", False)
    if not isinstance(standard_required, bool):
        raise _error(rule_id, prefix + "standard_required", "must be true or false")
    whitelisted = raw.get("whitelisted", False)
    if not isinstance(whitelisted, bool):
        raise _error(rule_id, prefix + "whitelisted", "must be true or false")

    categories = None
    if "categories" in raw:
        rule_categories = rule["applies_to"].get("categories") or CATEGORIES
        categories = _check_list(
            raw["categories"], rule_id, prefix + "categories", rule_categories, "categories"
        )
    countries = None
    if "countries" in raw:
        countries = _check_list(
            raw["countries"],
            rule_id,
            prefix + "countries",
            _countries_allowed(catalogue),
            "countries",
        )
    attachments = {}
    for field in ("attachments_all", "attachments_any"):
        attachments[field] = frozenset()
        if field in raw:
            attachments[field] = _check_list(
                raw[field], rule_id, prefix + field, ATTACHMENT_KINDS, "attachment kinds"
            )
    start = _parse_date(
        raw.get("effective_from"), rule_id, prefix + "effective_from", nullable=True
    )
    end = _parse_date(raw.get("effective_to"), rule_id, prefix + "effective_to", nullable=True)
    _check_window(start, end, rule_id, prefix + "effective_to")
    return _Route(
        id=raw["id"],
        title=raw["title"],
        title_zh=raw["title_zh"],
        severity=severity,
        message=message,
        message_zh=message_zh,
        source=raw["source"],
        standards=standards,
        standard_required=standard_required or standards is not None,
        categories=categories,
        countries=countries,
        attachments_all=attachments["attachments_all"],
        attachments_any=attachments["attachments_any"],
        whitelisted=whitelisted,
        effective_from=start,
        effective_to=end,
    )


def _parse_params(raw_rule: dict, spec: _KindSpec, catalogue: Catalogue) -> tuple[dict, tuple]:
    rule_id, kind = raw_rule["id"], raw_rule["kind"]
    params = raw_rule["params"]
    if not isinstance(params, dict):
        raise _error(rule_id, "params", "must be a mapping")
    for name, required in spec.params.items():
        if required and name not in params:
            raise _error(rule_id, f"params.{name}", f"is required for kind {kind!r}")
    unknown = set(params) - set(spec.params)
    if unknown:
        raise _error(rule_id, f"params.{sorted(unknown)[0]}", f"unknown for kind {kind!r}")

    routes: tuple[_Route, ...] = ()
    if "routes" in spec.params:
        raw_routes = params["routes"]
        if not isinstance(raw_routes, list) or not raw_routes:
            raise _error(rule_id, "params.routes", "must be a non-empty list of routes")
        routes = tuple(
            _parse_route(route, raw_rule, catalogue, index)
            for index, route in enumerate(raw_routes)
        )
        ids = [route.id for route in routes]
        if len(set(ids)) != len(ids):
            raise _error(rule_id, "params.routes", "route ids must be unique")
    if kind == "export_inspection":
        codes = params["codes"]
        if not isinstance(codes, dict) or not codes:
            raise _error(rule_id, "params.codes", "must map 10-digit codes to labels")
        for code, labels in codes.items():
            if not (isinstance(code, str) and code.isdigit() and len(code) == 10):
                raise _error(rule_id, "params.codes", f"not a 10-digit code: {code!r}")
            field = f"params.codes.{code}"
            _check_fields(labels, ("label", "label_zh"), (), rule_id, field + ".")
            _check_template(
                labels["label_zh"], rule_id, field + ".label_zh", frozenset(), chinese=True
            )
    if kind == "shelf_life":
        if params["check"] not in SHELF_LIFE_CHECKS:
            raise _error(rule_id, "params.check", f"must be one of {SHELF_LIFE_CHECKS}")
        days = params.get("default_min_days", DEFAULT_MIN_SHELF_LIFE_DAYS)
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise _error(rule_id, "params.default_min_days", "must be a whole number >= 0")
        fraction = params.get("short_life_fraction")
        if fraction is not None and not (
            isinstance(fraction, int | float)
            and not isinstance(fraction, bool)
            and 0 < fraction <= 1
        ):
            raise _error(rule_id, "params.short_life_fraction", "must be a number in (0, 1]")
    if kind == "hs_code_known":
        _check_template(
            params["invalid_message"],
            rule_id,
            "params.invalid_message",
            _BASE_PLACEHOLDERS,
            chinese=False,
        )
        _check_template(
            params["invalid_message_zh"],
            rule_id,
            "params.invalid_message_zh",
            _BASE_PLACEHOLDERS,
            chinese=True,
        )
    if kind == "attachments_required":
        if not params.get("all_of") and not params.get("any_of"):
            raise _error(rule_id, "params.all_of", "give all_of, any_of or both")
        for field in ("all_of", "any_of"):
            if field in params:
                _check_list(
                    params[field], rule_id, f"params.{field}", ATTACHMENT_KINDS, "attachment kinds"
                )
    return dict(params), routes


def _parse_rule(raw: Any, catalogue: Catalogue) -> _Rule:
    rule_id = raw.get("id") if isinstance(raw, dict) else None
    if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
        raise ValueError(
            f"rule {rule_id!r}, field 'id': must be UPPER-CASE words joined by hyphens"
        )
    _check_fields(raw, _RULE_FIELDS, _RULE_OPTIONAL_FIELDS, rule_id, "")
    kind = raw["kind"]
    if kind not in RULE_KINDS:
        raise _error(rule_id, "kind", f"unknown kind {kind!r}; known: {', '.join(RULE_KINDS)}")
    spec = RULE_KINDS[kind]
    _check_text(raw["title"], rule_id, "title")

    applies_to = raw["applies_to"]
    _check_fields(applies_to, ("side",), ("countries", "categories"), rule_id, "applies_to.")
    side = applies_to["side"]
    if side not in spec.sides:
        raise _error(
            rule_id, "applies_to.side", f"kind {kind!r} needs side {' or '.join(spec.sides)}"
        )
    countries = categories = None
    if "countries" in applies_to:
        countries = _check_list(
            applies_to["countries"],
            rule_id,
            "applies_to.countries",
            _countries_allowed(catalogue),
            "countries",
        )
    if "categories" in applies_to:
        categories = _check_list(
            applies_to["categories"], rule_id, "applies_to.categories", CATEGORIES, "categories"
        )

    start = _parse_date(raw["effective_from"], rule_id, "effective_from", nullable=False)
    end = _parse_date(raw["effective_to"], rule_id, "effective_to", nullable=True)
    _check_window(start, end, rule_id, "effective_to")
    if raw["severity"] not in SEVERITIES:
        raise _error(rule_id, "severity", f"must be one of {SEVERITIES}")
    allowed = _BASE_PLACEHOLDERS | spec.placeholders
    message = _check_template(raw["message"], rule_id, "message", allowed, chinese=False)
    message_zh = _check_template(raw["message_zh"], rule_id, "message_zh", allowed, chinese=True)
    if "title_zh" in raw:
        _check_template(raw["title_zh"], rule_id, "title_zh", frozenset(), chinese=True)
    _check_text(raw["source"], rule_id, "source")
    if raw["source_status"] not in RULE_SOURCE_STATUSES:
        raise _error(rule_id, "source_status", f"must be one of {RULE_SOURCE_STATUSES}")
    params, routes = _parse_params(raw, spec, catalogue)
    return _Rule(
        id=rule_id,
        kind=kind,
        side=side,
        countries=countries,
        categories=categories,
        effective_from=start,
        effective_to=end,
        severity=raw["severity"],
        message=message,
        message_zh=message_zh,
        source=raw["source"],
        params=params,
        routes=routes,
    )


def validate_rules(rules: list[dict], catalogue: Catalogue) -> None:
    """Validate rule dicts (e.g. edited as JSON in the admin); raise ValueError naming the
    rule id and field of the first problem."""
    _parse_rules(rules, catalogue)


def _parse_rules(rules: Any, catalogue: Catalogue) -> tuple[_Rule, ...]:
    if not isinstance(rules, list):
        raise ValueError("rules: must be a list of rule mappings")
    parsed = tuple(_parse_rule(raw, catalogue) for raw in rules)
    seen: set[str] = set()
    for rule in parsed:
        if rule.id in seen:
            raise _error(rule.id, "id", "duplicate rule id")
        seen.add(rule.id)
    return parsed


# --------------------------------------------------------------------------- messages


def _in_window(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
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
class _Destination:
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


def _finding(rule: _Rule, severity: str, message: str, message_zh: str, values, source=None):
    return Finding(
        rule=rule.id,
        severity=severity,
        message=message.format_map(values),
        message_zh=message_zh.format_map(values),
        source=source or rule.source,
    )


# --------------------------------------------------------------------------- compiled checks


class _Check:
    """One rule compiled for one category of one destination and pair of dates."""

    __slots__ = ("rule", "env", "window")

    def __init__(self, rule: _Rule, env: _Destination):
        self.rule = rule
        self.env = env
        self.window = (rule.effective_from, rule.effective_to)

    def __call__(self, facts: LotFacts) -> Finding | None:
        raise NotImplementedError

    def values(self, facts: LotFacts, window=None, **extra) -> _Placeholders:
        return _Placeholders(facts, self.env, window or self.window, **extra)

    def emit(self, facts: LotFacts, **extra) -> Finding:
        rule = self.rule
        return _finding(
            rule, rule.severity, rule.message, rule.message_zh, self.values(facts, **extra)
        )


_MEMO_LIMIT = 4096


class _MemoCheck(_Check):
    """A check whose finding depends only on the lot's standard, whitelist flag, HS code and
    the attachment kinds the check reads (``kinds``), so it is computed once per distinct
    combination: lots in a batch mostly share these, while formatting messages is costly."""

    __slots__ = ("memo", "kinds")

    def __init__(self, rule: _Rule, env: _Destination, kinds: frozenset[str] = frozenset()):
        super().__init__(rule, env)
        self.memo: dict = {}
        self.kinds = kinds

    def __call__(self, facts: LotFacts) -> Finding | None:
        key = (
            facts.standard,
            facts.attachments & self.kinds if self.kinds else None,
            facts.manufacturer_whitelisted,
            facts.hs_code,
        )
        try:
            return self.memo[key]
        except KeyError:
            if len(self.memo) >= _MEMO_LIMIT:
                self.memo.clear()  # plans are cached; keep a long-lived process bounded
            finding = self.memo[key] = self.compute(facts)
            return finding

    def compute(self, facts: LotFacts) -> Finding | None:
        raise NotImplementedError


class _RouteCheck(_MemoCheck):
    """export_requirement / destination_accepts: the lot must qualify through one route."""

    __slots__ = ("open_routes", "closed_routes")

    def __init__(self, rule, env, open_routes, closed_routes):
        kinds = frozenset().union(
            *(route.attachments_all | route.attachments_any for route in open_routes)
        )
        super().__init__(rule, env, kinds)
        # Routes that give the mildest outcome are tried first.
        self.open_routes = tuple(sorted(open_routes, key=lambda route: _RANK[route.severity]))
        self.closed_routes = tuple(closed_routes)

    def compute(self, facts: LotFacts) -> Finding | None:
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
                    self.values(facts, window),
                    source=route.source,
                )
        english, chinese = self.explain(facts)
        return self.emit(facts, routes=english, routes_zh=chinese)

    def explain(self, facts: LotFacts) -> tuple[str, str]:
        catalogue = self.env.catalogue
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


class _InspectionCheck(_MemoCheck):
    """export_inspection: the lot's Chinese code is on the statutory inspection list."""

    __slots__ = ("codes",)

    def __init__(self, rule, env):
        super().__init__(rule, env)
        self.codes = rule.params["codes"]

    def compute(self, facts: LotFacts) -> Finding | None:
        digits = (facts.hs_code or "").replace(".", "").replace(" ", "")
        if len(digits) == 10:
            matched = [digits] if digits in self.codes else []
        elif digits:
            # A six- or eight-digit code may hide several listed ten-digit codes.
            matched = [code for code in self.codes if code.startswith(digits)]
        else:
            cn = self.env.catalogue.hs_codes[facts.category]["cn"]
            matched = [cn] if cn in self.codes else []
        if not matched:
            return None
        english = ", ".join(f"{code} ({self.codes[code]['label']})" for code in matched)
        chinese = "、".join(f"{code}（{self.codes[code]['label_zh']}）" for code in matched)
        return self.emit(facts, codes=english, codes_zh=chinese)


class _ShelfLifeCheck(_Check):
    """shelf_life: expired at arrival, too little left at arrival, or no expiry recorded."""

    __slots__ = ("check", "min_days", "fraction", "memo")

    def __init__(self, rule, env):
        super().__init__(rule, env)
        self.memo: dict = {}
        self.check = rule.params["check"]
        self.fraction = rule.params.get("short_life_fraction")
        self.min_days = env.min_shelf_life_days
        if self.min_days is None:
            self.min_days = rule.params.get("default_min_days", DEFAULT_MIN_SHELF_LIFE_DAYS)

    def __call__(self, facts: LotFacts) -> Finding | None:
        expiry = facts.expiry_date
        if self.check == "unknown":
            return self.remember(facts, None) if expiry is None else None
        if expiry is None:
            return None
        days_left = (expiry - self.env.arrival_date).days
        if self.check == "expired":
            return self.remember(facts, days_left) if days_left < 0 else None
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
        return self.remember(facts, days_left, threshold)

    def remember(self, facts: LotFacts, days_left: int | None, threshold: int = 0) -> Finding:
        key = (facts.expiry_date, threshold, facts.standard, facts.hs_code)
        finding = self.memo.get(key)
        if finding is None:
            if len(self.memo) >= _MEMO_LIMIT:
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
            finding = self.memo[key] = self.emit(facts, **extra)
        return finding


class _HsCodeCheck(_MemoCheck):
    """hs_code_known: the lot has a valid HS code, given or derived from its category."""

    __slots__ = ()

    def compute(self, facts: LotFacts) -> Finding | None:
        if facts.hs_code:
            if is_valid_hs_code(facts.hs_code):
                return None
            params = self.rule.params
            return _finding(
                self.rule,
                self.rule.severity,
                params["invalid_message"],
                params["invalid_message_zh"],
                self.values(facts),
            )
        if self.env.catalogue.hs_codes[facts.category]["hs"]:
            return None
        return self.emit(facts)


class _AttachmentsCheck(_MemoCheck):
    """attachments_required: all of some kinds and/or at least one of others."""

    __slots__ = ("all_of", "any_of")

    def __init__(self, rule, env):
        self.all_of = frozenset(rule.params.get("all_of") or ())
        self.any_of = frozenset(rule.params.get("any_of") or ())
        super().__init__(rule, env, self.all_of | self.any_of)

    def compute(self, facts: LotFacts) -> Finding | None:
        catalogue = self.env.catalogue
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
        return self.emit(facts, missing="; ".join(parts_en), missing_zh="；".join(parts_zh))


class _StandardCategoryCheck(_MemoCheck):
    """standard_matches_category: a declared standard is catalogued for the lot's category."""

    __slots__ = ()

    def compute(self, facts: LotFacts) -> Finding | None:
        if not facts.standard:
            return None
        spec = self.env.catalogue.standards.get(facts.standard)
        if spec is not None and facts.category in spec.category:
            return None
        return self.emit(facts)


class _AlwaysCheck(_MemoCheck):
    """notice, unprofiled_country, destination_unruled: applicability is decided when the
    plan is built, so every lot that reaches the check gets the finding."""

    __slots__ = ()

    def compute(self, facts: LotFacts) -> Finding:
        return self.emit(facts)


# --------------------------------------------------------------------------- the rule book


class RuleBook:
    """A validated, versioned rule set bound to a catalogue."""

    def __init__(self, *, version: str, rules: tuple[_Rule, ...], catalogue: Catalogue):
        self.version = version
        self.catalogue = catalogue
        self._rules = rules
        self._order = {rule.id: index for index, rule in enumerate(rules)}
        self._plans: dict[tuple, dict[str, tuple[_Check, ...]]] = {}

    @classmethod
    def from_data(cls, *, version: str, rules: list[dict], catalogue: Catalogue) -> RuleBook:
        """Validate rule dicts (YAML- or JSON-loaded) and build a rule book.

        Raises ValueError naming the rule id and field of the first invalid entry.
        """
        if not isinstance(version, str) or not version:
            raise ValueError("rule book: version must be a non-empty string")
        return cls(version=version, rules=_parse_rules(rules, catalogue), catalogue=catalogue)

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
        plan = self._plan(country, export_date, arrival_date, min_shelf_life_days)
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
                finding = check(facts)
                if finding is not None:
                    findings.append(finding)
                    rank = _RANK[finding.severity]
                    if rank > worst:
                        worst = rank
            append(Evaluation(_RESULTS[worst], tuple(findings)))
        return results

    def _plan(
        self,
        country: str,
        export_date: dt.date,
        arrival_date: dt.date,
        min_shelf_life_days: int | None,
    ) -> dict[str, tuple[_Check, ...]]:
        env = self._destination(country, export_date, arrival_date, min_shelf_life_days)
        key = (env.country, export_date, arrival_date, env.min_shelf_life_days)
        cached = self._plans.get(key)
        if cached is None:
            if len(self._plans) >= _PLAN_CACHE_SIZE:
                self._plans.clear()
            cached = self._plans[key] = self._build_plan(env)
        return cached

    def _build_plan(self, env: _Destination) -> dict[str, tuple[_Check, ...]]:
        export_date, arrival_date = env.export_date, env.arrival_date
        plan: dict[str, list[_Check]] = {category: [] for category in CATEGORIES}
        covered: set[str] = set()
        deferred: list[_Rule] = []
        for rule in self._rules:
            day = export_date if rule.side == SIDE_EXPORT else arrival_date
            if not _in_window(day, rule.effective_from, rule.effective_to):
                continue
            if rule.countries is not None and not _matches_country(rule.countries, env):
                continue
            if rule.kind == "unprofiled_country":
                if env.profile is None:
                    for category in rule.categories or CATEGORIES:
                        plan[category].append(_AlwaysCheck(rule, env))
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
                    plan[category].append(_AlwaysCheck(rule, env))
        order = self._order
        return {
            category: tuple(sorted(checks, key=lambda check: order[check.rule.id]))
            for category, checks in plan.items()
        }

    def _compile(self, rule: _Rule, env: _Destination, category: str, day: dt.date) -> _Check:
        kind = rule.kind
        if kind in ("export_requirement", "destination_accepts"):
            open_routes, closed_routes = [], []
            for route in rule.routes:
                if route.categories is not None and category not in route.categories:
                    continue
                if route.countries is not None and not _matches_country(route.countries, env):
                    continue
                (open_routes if route.in_window(day) else closed_routes).append(route)
            return _RouteCheck(rule, env, open_routes, closed_routes)
        compiled = {
            "export_inspection": _InspectionCheck,
            "shelf_life": _ShelfLifeCheck,
            "hs_code_known": _HsCodeCheck,
            "attachments_required": _AttachmentsCheck,
            "standard_matches_category": _StandardCategoryCheck,
            "notice": _AlwaysCheck,
        }
        return compiled[kind](rule, env)

    def _destination(
        self,
        country: str,
        export_date: dt.date,
        arrival_date: dt.date,
        min_shelf_life_days: int | None,
    ) -> _Destination:
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
        return _Destination(
            catalogue=self.catalogue,
            country=country,
            profile=profile["profile"] if profile else None,
            country_name=profile["name"] if profile else country,
            country_name_zh=profile["name_zh"] if profile else country,
            export_date=export_date,
            arrival_date=arrival_date,
            min_shelf_life_days=min_shelf_life_days,
        )


_RESULTS = {0: RESULT_PASS, 1: RESULT_WARN, 2: RESULT_FAIL}
# Compiled plans are reused across calls for the same destination and dates.
_PLAN_CACHE_SIZE = 64


def _matches_country(countries: frozenset[str], env: _Destination) -> bool:
    return env.country in countries or (env.profile is not None and env.profile in countries)


def load_rulebook(path: Path | None = None, catalogue: Catalogue | None = None) -> RuleBook:
    """Build the rule book from a rule set file (default: the newest shipped version)."""
    catalogue = catalogue or load_catalogue()
    data = load_ruleset_file(path or ruleset_files()[-1])
    return RuleBook.from_data(version=data["version"], rules=data["rules"], catalogue=catalogue)
