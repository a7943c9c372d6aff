"""The rule set format, declared once as pydantic models.

A rule set file (``compliance/data/rulesets/*.yaml``) and a rule list edited as JSON in the
admin are both validated here, against the catalogue they refer to (standards, equivalence
groups, countries and destination profiles) and the shared vocabularies (categories and
attachment kinds from ``sfiec.choices``). Unknown keys are refused; a problem is reported by
its path, e.g. ``rules[3].message_zh: Field required (rule 'CN-ANN5-NMPA')``.

Each rule kind is one model (``RULE_KINDS``): its ``kind``, the sides it may apply to, the
extra placeholders its messages may use and the shape of its ``params``. What a kind does
with a lot is in ``compliance/engine/kinds.py``.
"""

from __future__ import annotations

import string
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    model_validator,
)

from compliance.catalogue import AttachmentKindName, Catalogue, CategoryName
from compliance.datafile import (
    ChineseText,
    DataError,
    FieldProblem,
    IsoDate,
    Model,
    Str,
    Text,
    TypeAdapter,
    chinese_ok,
    pattern,
    validate,
)

SIDE_EXPORT, SIDE_DESTINATION = "export", "destination"
SEVERITIES = ("info", "warn", "fail")
# A route's severity is the finding it produces when a lot qualifies through it; "pass"
# qualifies silently.
ROUTE_SEVERITIES = ("pass", "info", "warn")
RULE_SOURCE_STATUSES = ("V", "P", "I")
SHELF_LIFE_CHECKS = ("expired", "short", "unknown")
DEFAULT_MIN_SHELF_LIFE_DAYS = 365

BASE_PLACEHOLDERS = frozenset(
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


def check_template(text: str, allowed: frozenset[str], *, chinese: bool) -> str:
    """Raise ValueError if a message template uses an unknown placeholder (or, for a Chinese
    message, has no Chinese in it)."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValueError(f"malformed template: {exc}") from None
    for _, name, spec, conversion in parsed:
        if name is not None and (name not in allowed or spec or conversion):
            raise ValueError(
                f"unknown placeholder {{{name}}}; allowed: {', '.join(sorted(allowed))}"
            )
    if chinese and not chinese_ok(text):
        raise ValueError("must be written in Chinese")
    return text


def _templates(model, allowed: frozenset[str], *pairs: tuple[str, ...]) -> None:
    """Check the model's message templates; ``pairs`` are field paths below the model."""
    for path in pairs:
        value: Any = model
        for part in path:
            value = getattr(value, part)
        if value is not None:
            try:
                check_template(value, allowed, chinese=path[-1].endswith("_zh"))
            except ValueError as error:
                raise FieldProblem(path, str(error)) from None


def _catalogue(info: ValidationInfo) -> Catalogue:
    return info.context["catalogue"]


def _known_standard(slug: str, info: ValidationInfo) -> str:
    if slug not in _catalogue(info).standards:
        raise ValueError(f"unknown standard {slug!r}")
    return slug


def _known_group(slug: str, info: ValidationInfo) -> str:
    if slug not in {group.slug for group in _catalogue(info).equivalences}:
        raise ValueError(f"unknown group {slug!r}")
    return slug


def _known_country(code: str, info: ValidationInfo) -> str:
    catalogue = _catalogue(info)
    if code not in catalogue.countries and code not in catalogue.profiles:
        raise ValueError(f"unknown country or destination profile {code!r}")
    return code


def _strict_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    return value


def _fraction(value: float) -> float:
    if not 0 < value <= 1:
        raise ValueError("must be a number in (0, 1]")
    return value


StandardRef = Annotated[Text, AfterValidator(_known_standard)]
GroupRef = Annotated[Text, AfterValidator(_known_group)]
CountryRef = Annotated[Text, AfterValidator(_known_country)]
RuleId = Annotated[Text, pattern(r"^[A-Z0-9]+(-[A-Z0-9]+)*$", "UPPER-CASE words joined by hyphens")]
RouteId = Annotated[Text, pattern(r"^[a-z0-9]+(_[a-z0-9]+)*$", "lower_snake_case")]
InspectionCode = Annotated[Text, pattern(r"^\d{10}$", "a 10-digit code")]
Fraction = Annotated[float, BeforeValidator(_strict_number), AfterValidator(_fraction)]
Days = Annotated[StrictInt, Field(ge=0)]


def NonEmpty(item):  # noqa: N802 - reads as a type
    return Annotated[list[item], Field(min_length=1)]


def _window(start, end, field: tuple[str | int, ...]) -> None:
    if start and end and end < start:
        raise FieldProblem(field, f"ends ({end}) before it starts ({start})")


# --------------------------------------------------------------------------- routes


class Route(Model):
    """One way a lot may satisfy an export requirement or be accepted at destination."""

    id: RouteId
    title: Text
    title_zh: ChineseText
    severity: Literal[ROUTE_SEVERITIES]  # type: ignore[valid-type]
    message: Text | None = None
    message_zh: Text | None = None
    source: Text
    source_status: Literal[RULE_SOURCE_STATUSES]  # type: ignore[valid-type]
    standards: NonEmpty(StandardRef) | None = None
    groups: NonEmpty(GroupRef) | None = None
    standard_required: StrictBool = False
    categories: NonEmpty(CategoryName) | None = None
    countries: NonEmpty(CountryRef) | None = None
    attachments_all: NonEmpty(AttachmentKindName) | None = None
    attachments_any: NonEmpty(AttachmentKindName) | None = None
    whitelisted: StrictBool = False
    effective_from: IsoDate | None = None
    effective_to: IsoDate | None = None
    notes: Str | None = None

    @model_validator(mode="after")
    def _consistent(self):
        if self.severity != "pass" or self.message is not None or self.message_zh is not None:
            for name in ("message", "message_zh"):
                if getattr(self, name) is None:
                    raise FieldProblem((name,), "required unless severity is 'pass'")
            _templates(self, BASE_PLACEHOLDERS, ("message",), ("message_zh",))
        _window(self.effective_from, self.effective_to, ("effective_to",))
        return self


class RouteParams(Model):
    routes: NonEmpty(Route)

    @model_validator(mode="after")
    def _unique(self):
        ids = [route.id for route in self.routes]
        if len(set(ids)) != len(ids):
            raise FieldProblem(("routes",), "route ids must be unique")
        return self


# --------------------------------------------------------------------------- params


class NoParams(Model):
    pass


class CodeLabels(Model):
    label: Text
    label_zh: ChineseText


class InspectionParams(Model):
    codes: Annotated[dict[InspectionCode, CodeLabels], Field(min_length=1)]


class ShelfLifeParams(Model):
    check: Literal[SHELF_LIFE_CHECKS]  # type: ignore[valid-type]
    default_min_days: Days = DEFAULT_MIN_SHELF_LIFE_DAYS
    short_life_fraction: Fraction | None = None


class HsCodeParams(Model):
    invalid_message: Text
    invalid_message_zh: Text

    @model_validator(mode="after")
    def _templates(self):
        _templates(self, BASE_PLACEHOLDERS, ("invalid_message",), ("invalid_message_zh",))
        return self


class AttachmentsParams(Model):
    all_of: NonEmpty(AttachmentKindName) | None = None
    any_of: NonEmpty(AttachmentKindName) | None = None

    @model_validator(mode="after")
    def _something(self):
        if not self.all_of and not self.any_of:
            raise FieldProblem(("all_of",), "give all_of, any_of or both")
        return self


# --------------------------------------------------------------------------- rules


class AppliesTo(Model):
    side: Literal[SIDE_EXPORT, SIDE_DESTINATION]
    countries: NonEmpty(CountryRef) | None = None
    categories: NonEmpty(CategoryName) | None = None


class RuleBase(Model):
    """What every rule has; a kind adds its ``kind`` literal and its ``params``."""

    SIDES: ClassVar[tuple[str, ...]] = (SIDE_EXPORT, SIDE_DESTINATION)
    PLACEHOLDERS: ClassVar[frozenset[str]] = frozenset()

    id: RuleId
    kind: str
    title: Text
    title_zh: ChineseText | None = None
    notes: Str | None = None
    applies_to: AppliesTo
    effective_from: IsoDate
    effective_to: IsoDate | None
    severity: Literal[SEVERITIES]  # type: ignore[valid-type]
    message: Text
    message_zh: Text
    source: Text
    source_status: Literal[RULE_SOURCE_STATUSES]  # type: ignore[valid-type]
    params: NoParams

    @model_validator(mode="after")
    def _consistent(self):
        if self.applies_to.side not in self.SIDES:
            raise FieldProblem(
                ("applies_to", "side"), f"kind {self.kind!r} needs side {' or '.join(self.SIDES)}"
            )
        _window(self.effective_from, self.effective_to, ("effective_to",))
        _templates(self, BASE_PLACEHOLDERS | self.PLACEHOLDERS, ("message",), ("message_zh",))
        routes = getattr(self.params, "routes", ())
        allowed = set(self.applies_to.categories or ())
        for index, route in enumerate(routes):
            for category in route.categories or ():
                if allowed and category not in allowed:
                    raise FieldProblem(
                        ("params", "routes", index, "categories"),
                        f"category {category!r} is outside the rule's applies_to.categories",
                    )
        return self


_ROUTE_PLACEHOLDERS = frozenset({"routes", "routes_zh"})


class ExportRequirement(RuleBase):
    """The lot must qualify through one of the routes to be exported."""

    SIDES = (SIDE_EXPORT,)
    PLACEHOLDERS = _ROUTE_PLACEHOLDERS
    kind: Literal["export_requirement"]
    params: RouteParams


class DestinationAccepts(RuleBase):
    """The lot must qualify through one of the routes to be accepted at destination."""

    SIDES = (SIDE_DESTINATION,)
    PLACEHOLDERS = _ROUTE_PLACEHOLDERS
    kind: Literal["destination_accepts"]
    params: RouteParams


class ExportInspection(RuleBase):
    """The lot's Chinese code is on a statutory inspection list."""

    SIDES = (SIDE_EXPORT,)
    PLACEHOLDERS = frozenset({"codes", "codes_zh"})
    kind: Literal["export_inspection"]
    params: InspectionParams


class ShelfLife(RuleBase):
    """Expired at arrival, too little left at arrival, or no expiry recorded."""

    SIDES = (SIDE_DESTINATION,)
    PLACEHOLDERS = frozenset({"expiry_date", "days_left", "days_expired", "min_days"})
    kind: Literal["shelf_life"]
    params: ShelfLifeParams


class HsCodeKnown(RuleBase):
    """The lot has a valid HS code, given or derived from its category."""

    SIDES = (SIDE_EXPORT,)
    kind: Literal["hs_code_known"]
    params: HsCodeParams


class AttachmentsRequired(RuleBase):
    """All of some attachment kinds and/or at least one of others."""

    PLACEHOLDERS = frozenset({"missing", "missing_zh"})
    kind: Literal["attachments_required"]
    params: AttachmentsParams


class StandardMatchesCategory(RuleBase):
    """A declared standard is catalogued for the lot's category."""

    kind: Literal["standard_matches_category"]


class UnprofiledCountry(RuleBase):
    """The destination has no profile in the catalogue."""

    SIDES = (SIDE_DESTINATION,)
    kind: Literal["unprofiled_country"]


class DestinationUnruled(RuleBase):
    """No destination_accepts rule covers the lot's category there."""

    SIDES = (SIDE_DESTINATION,)
    kind: Literal["destination_unruled"]


class Notice(RuleBase):
    """Always said when the rule applies."""

    kind: Literal["notice"]


RULE_KINDS: dict[str, type[RuleBase]] = {
    model.model_fields["kind"].annotation.__args__[0]: model
    for model in (
        ExportRequirement,
        DestinationAccepts,
        ExportInspection,
        ShelfLife,
        HsCodeKnown,
        AttachmentsRequired,
        StandardMatchesCategory,
        UnprofiledCountry,
        DestinationUnruled,
        Notice,
    )
}
Rule = Annotated[
    ExportRequirement
    | DestinationAccepts
    | ExportInspection
    | ShelfLife
    | HsCodeKnown
    | AttachmentsRequired
    | StandardMatchesCategory
    | UnprofiledCountry
    | DestinationUnruled
    | Notice,
    Field(discriminator="kind"),
]


def _unique_ids(rules: list[RuleBase]) -> None:
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules):
        if rule.id in seen:
            raise FieldProblem(
                ("rules", index, "id"), f"duplicate rule id (also rules[{seen[rule.id]}])"
            )
        seen[rule.id] = index


class RuleSetFile(Model):
    """The format of a rule set file."""

    version: Text
    title: Text
    title_zh: ChineseText | None = None
    notes: Str | None = None
    rules: list[Rule]

    @model_validator(mode="after")
    def _unique(self):
        _unique_ids(self.rules)
        return self


class _RuleList(Model):
    rules: list[Rule]

    @model_validator(mode="after")
    def _unique(self):
        _unique_ids(self.rules)
        return self


_RULE_SET_FILE = TypeAdapter(RuleSetFile)
_RULE_LIST = TypeAdapter(_RuleList)


def validate_rule_set(data: Any, catalogue: Catalogue) -> RuleSetFile:
    """Validate a whole rule set file's content; raise DataError naming each problem."""
    return validate(_RULE_SET_FILE, data, context={"catalogue": catalogue})


def validate_rules(rules: Any, catalogue: Catalogue) -> list[RuleBase]:
    """Validate a rule list (e.g. edited as JSON in the admin); raise DataError naming each
    problem by its path (``rules[3].message_zh: Field required (rule 'CN-ANN5-NMPA')``)."""
    return validate(_RULE_LIST, {"rules": rules}, context={"catalogue": catalogue}).rules


__all__ = [
    "BASE_PLACEHOLDERS",
    "DataError",
    "RULE_KINDS",
    "Route",
    "RuleBase",
    "RuleSetFile",
    "validate_rule_set",
    "validate_rules",
]
