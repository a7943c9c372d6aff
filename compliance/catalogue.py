"""The standards catalogue and the rule set files, loaded from YAML into validated data.

The catalogue format is declared once, as the pydantic models below (unknown keys are
refused); a file that does not fit raises ``DataError`` naming each problem by its path,
e.g. ``standards[2].category[0]: Input should be 'respirator_nonmedical', …``. The category
and attachment-kind vocabularies are ``sfiec.choices``'; the catalogue labels them.

Pure Python (no Django settings needed): the compliance app seeds its tables from these
files and the rule engine reads them directly in tests and benchmarks.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictBool, StrictInt, model_validator

from compliance.datafile import (
    ChineseText,
    DataError,
    FieldProblem,
    Model,
    Str,
    Text,
    TypeAdapter,
    json_safe,
    pattern,
    read_yaml,
    validate,
)
from sfiec.choices import AttachmentKind, Category

DATA_DIR = Path(__file__).resolve().parent / "data"
STANDARDS_FILE = DATA_DIR / "standards.yaml"
RULESETS_DIR = DATA_DIR / "rulesets"

CATEGORIES: tuple[str, ...] = tuple(Category.values)
ATTACHMENT_KINDS: tuple[str, ...] = tuple(AttachmentKind.values)
# V: seen in a retrieved source, P: partial or secondary source, I: inference,
# NF: searched, not found (see the compliance brief).
SOURCE_STATUSES: tuple[str, ...] = ("V", "P", "I", "NF")

CategoryName = Literal[CATEGORIES]  # type: ignore[valid-type]
AttachmentKindName = Literal[ATTACHMENT_KINDS]  # type: ignore[valid-type]
SourceStatus = Literal[SOURCE_STATUSES]  # type: ignore[valid-type]


def is_valid_hs_code(code: str) -> bool:
    """True for a 6-digit HS code ("6307.90") or an 8/10-digit national code."""
    digits = code.replace(".", "").replace(" ", "")
    return digits.isdigit() and len(digits) in (6, 8, 10)


def _hs_code(value: str) -> str:
    if not is_valid_hs_code(value):
        raise ValueError(f"not an HS code: {value!r}")
    return value


HsCode = Annotated[Text, AfterValidator(_hs_code)]
StandardSlug = Annotated[Text, pattern(r"^[A-Z0-9]+(_[A-Z0-9]+)*$", "UPPER_SNAKE_CASE")]
GroupSlug = Annotated[Text, pattern(r"^[a-z0-9]+(_[a-z0-9]+)*$", "lower_snake_case")]
CountryCode = Annotated[Text, pattern(r"^[A-Z]{2}$", "an ISO 3166-1 alpha-2 code")]


class AttachmentKindLabels(Model):
    label: Text
    label_zh: ChineseText


class CategoryEntry(Model):
    """A category's labels and HS codes (``hs`` 6-digit, ``cn`` Chinese 10-digit)."""

    label: Text
    label_zh: ChineseText
    hs: HsCode | None
    cn: HsCode | None
    gacc53: StrictBool
    note: Str
    source: Text
    status: SourceStatus
    notes: Str = ""

    @model_validator(mode="after")
    def _gacc53_needs_cn(self):
        if self.gacc53 and not self.cn:
            raise FieldProblem(("cn",), "required when 'gacc53' is true")
        return self


class StandardSpec(Model):
    """One technical standard or legal instrument a lot can be declared against."""

    slug: StandardSlug
    body: Text
    title: Text
    title_zh: Text
    category: Annotated[tuple[CategoryName, ...], Field(min_length=1)]
    protection_class: Str
    jurisdiction: Text
    key_criteria: Str
    source: Text
    status: SourceStatus
    notes: Str = ""


class EquivalenceGroup(Model):
    """Standards treated as equivalent for one purpose, with how well that is sourced."""

    slug: GroupSlug
    name: Text
    members: Annotated[tuple[StandardSlug, ...], Field(min_length=2)]
    basis: Text
    source: Text
    status: SourceStatus
    name_zh: Str = ""
    notes: Str = ""


class CountryProfile(Model):
    name: Text
    name_zh: ChineseText
    profile: Text
    min_shelf_life_days: Annotated[StrictInt, Field(ge=0)]


class CatalogueFile(Model):
    """The format of ``compliance/data/standards.yaml``."""

    attachment_kinds: dict[AttachmentKindName, AttachmentKindLabels]
    categories: dict[CategoryName, CategoryEntry]
    standards: Annotated[list[StandardSpec], Field(min_length=1)]
    equivalences: list[EquivalenceGroup]
    countries: Annotated[dict[CountryCode, CountryProfile], Field(min_length=1)]

    @model_validator(mode="after")
    def _consistent(self):
        for name, vocabulary in (
            ("attachment_kinds", ATTACHMENT_KINDS),
            ("categories", CATEGORIES),
        ):
            missing = [value for value in vocabulary if value not in getattr(self, name)]
            if missing:
                raise FieldProblem((name,), f"missing {', '.join(missing)}")
        seen: set[str] = set()
        for index, spec in enumerate(self.standards):
            if spec.slug in seen:
                raise FieldProblem(("standards", index, "slug"), f"duplicate slug {spec.slug!r}")
            seen.add(spec.slug)
        groups: set[str] = set()
        for index, group in enumerate(self.equivalences):
            if group.slug in groups:
                raise FieldProblem(("equivalences", index, "slug"), f"duplicate {group.slug!r}")
            groups.add(group.slug)
            for position, member in enumerate(group.members):
                if member not in seen:
                    raise FieldProblem(
                        ("equivalences", index, "members", position),
                        f"unknown standard {member!r}",
                    )
        return self


_CATALOGUE_FILE = TypeAdapter(CatalogueFile)


class Catalogue:
    """Standards, equivalences, per-category HS codes and destination country profiles.

    ``hs_codes`` maps every category slug to ``{"label", "label_zh", "hs", "cn", "gacc53",
    "note", "source", "status"}``; ``hs`` and ``cn`` are ``None`` when no code is known.
    ``countries`` maps ISO 3166-1 alpha-2 codes to ``{"name", "name_zh", "profile",
    "min_shelf_life_days"}``. ``attachment_kinds`` maps each kind to its labels.
    """

    def __init__(self, data: CatalogueFile):
        self.standards: dict[str, StandardSpec] = {spec.slug: spec for spec in data.standards}
        self.equivalences: tuple[EquivalenceGroup, ...] = tuple(data.equivalences)
        self.hs_codes: dict[str, dict] = {
            category: data.categories[category].model_dump(exclude={"notes"})
            for category in CATEGORIES
        }
        self.countries: dict[str, dict] = {
            code: entry.model_dump() for code, entry in data.countries.items()
        }
        self.attachment_kinds: dict[str, dict] = {
            kind: data.attachment_kinds[kind].model_dump() for kind in ATTACHMENT_KINDS
        }
        self.profiles: frozenset[str] = frozenset(c["profile"] for c in self.countries.values())

    def equivalence(self, slug: str) -> EquivalenceGroup:
        """Return the equivalence group with this slug (KeyError if unknown)."""
        for group in self.equivalences:
            if group.slug == slug:
                return group
        raise KeyError(slug)


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load and validate the standards catalogue (``compliance/data/standards.yaml``).

    Raises DataError naming each problem by its path in the file.
    """
    path = path or STANDARDS_FILE
    try:
        data = validate(_CATALOGUE_FILE, read_yaml(path))
    except DataError as error:
        raise DataError([f"{path.name}: {problem}" for problem in error.problems]) from None
    return Catalogue(data)


def load_ruleset_file(path: Path, catalogue: Catalogue | None = None) -> dict:
    """Read and validate one rule set file into ``{"version", "title", "rules", ...}``.

    The whole file is checked against the rule set format (``compliance.engine.schema``)
    and the catalogue (the shipped one by default); DataError names each problem by its
    path. Dates come back as ISO strings so the result is JSON-safe, ready to be stored in
    the database and edited as JSON.
    """
    # The engine reads this module; importing it here keeps the import order one way.
    from compliance.engine.schema import validate_rule_set

    raw = read_yaml(path)
    try:
        validate_rule_set(raw, catalogue or shipped_catalogue())
    except DataError as error:
        raise DataError([f"{path.name}: {problem}" for problem in error.problems]) from None
    return json_safe(raw)


def ruleset_files() -> list[Path]:
    """The rule set files shipped with the app, oldest version first."""
    return sorted(RULESETS_DIR.glob("*.yaml"), key=lambda p: _version_key(p.stem))


def _version_key(version: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in version.split("."))


@functools.cache
def shipped_catalogue() -> Catalogue:
    """The catalogue file shipped with the code, read once per process (it changes on deploy)."""
    return load_catalogue()


__all__ = [
    "ATTACHMENT_KINDS",
    "CATEGORIES",
    "Catalogue",
    "DataError",
    "EquivalenceGroup",
    "SOURCE_STATUSES",
    "StandardSpec",
    "is_valid_hs_code",
    "load_catalogue",
    "load_ruleset_file",
    "ruleset_files",
    "shipped_catalogue",
]
