"""The standards catalogue and the rule set files, loaded from YAML into plain data.

Pure Python (no Django): the compliance app seeds its tables from these files and the
rule engine reads them directly in tests and benchmarks.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
STANDARDS_FILE = DATA_DIR / "standards.yaml"
RULESETS_DIR = DATA_DIR / "rulesets"

CATEGORIES: tuple[str, ...] = (
    "respirator_nonmedical",
    "respirator_medical",
    "medical_mask",
    "protective_clothing",
    "gloves",
    "goggles",
    "face_shield",
    "test_kit",
    "thermometer",
    "ventilator",
    "sanitiser",
    "other",
)
ATTACHMENT_KINDS: tuple[str, ...] = (
    "ce_certificate",
    "eu_declaration_of_conformity",
    "fda_eua",
    "niosh_approval",
    "nmpa_registration",
    "export_declaration",
    "whitelist_proof",
    "mfds_approval",
    "test_report",
    "other",
)
# V: seen in a retrieved source, P: partial or secondary source, I: inference,
# NF: searched, not found (see the compliance brief).
SOURCE_STATUSES: tuple[str, ...] = ("V", "P", "I", "NF")

_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
_SLUG = re.compile(r"^[A-Z0-9]+(_[A-Z0-9]+)*$")
_GROUP_SLUG = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")


@dataclass(frozen=True)
class StandardSpec:
    """One technical standard or legal instrument a lot can be declared against."""

    slug: str
    body: str
    title: str
    title_zh: str
    category: tuple[str, ...]
    protection_class: str
    jurisdiction: str
    key_criteria: str
    source: str
    status: str
    notes: str = ""


@dataclass(frozen=True)
class EquivalenceGroup:
    """Standards treated as equivalent for one purpose, with how well that is sourced."""

    slug: str
    name: str
    members: tuple[str, ...]
    basis: str
    source: str
    status: str
    name_zh: str = ""


@dataclass(frozen=True)
class Catalogue:
    """Standards, equivalences, per-category HS codes and destination country profiles.

    ``hs_codes`` maps every category slug to ``{"label", "label_zh", "hs", "cn", "gacc53",
    "note", "source", "status"}``; ``hs`` and ``cn`` are ``None`` when no code is known.
    ``countries`` maps ISO 3166-1 alpha-2 codes to ``{"name", "name_zh", "profile",
    "min_shelf_life_days"}``. ``attachment_kinds`` maps each kind to its labels.
    """

    standards: dict[str, StandardSpec]
    equivalences: tuple[EquivalenceGroup, ...]
    hs_codes: dict[str, dict]
    countries: dict[str, dict]
    attachment_kinds: dict[str, dict] = field(default_factory=dict)

    @property
    def profiles(self) -> frozenset[str]:
        """Names of the destination profiles the countries use (e.g. "EU", "KR")."""
        return frozenset(c["profile"] for c in self.countries.values())

    def equivalence(self, slug: str) -> EquivalenceGroup:
        """Return the equivalence group with this slug (KeyError if unknown)."""
        for group in self.equivalences:
            if group.slug == slug:
                return group
        raise KeyError(slug)


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load and validate the standards catalogue (``compliance/data/standards.yaml``).

    Raises ValueError naming the entry and field on any inconsistency.
    """
    raw = _read_yaml(path or STANDARDS_FILE)
    if not isinstance(raw, dict):
        raise ValueError("standards catalogue: expected a mapping at the top level")
    attachment_kinds = _load_attachment_kinds(raw.get("attachment_kinds"))
    hs_codes = _load_categories(raw.get("categories"))
    standards = _load_standards(raw.get("standards"))
    equivalences = _load_equivalences(raw.get("equivalences"), standards)
    countries = _load_countries(raw.get("countries"))
    return Catalogue(
        standards=standards,
        equivalences=equivalences,
        hs_codes=hs_codes,
        countries=countries,
        attachment_kinds=attachment_kinds,
    )


def load_ruleset_file(path: Path) -> dict:
    """Read one rule set file into ``{"version", "title", "rules"}``.

    Checks the file's shape only; ``RuleBook.from_data`` validates each rule against the
    catalogue. Dates come back as ISO strings so the result is JSON-safe, ready to be
    stored in the database and edited as JSON.
    """
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise ValueError(f"{path.name}: expected a mapping at the top level")
    for key in ("version", "title", "rules"):
        if key not in raw:
            raise ValueError(f"{path.name}: missing field {key!r}")
    unknown = set(raw) - {"version", "title", "title_zh", "notes", "rules"}
    if unknown:
        raise ValueError(f"{path.name}: unknown field(s) {sorted(unknown)}")
    if not isinstance(raw["version"], str) or not raw["version"]:
        raise ValueError(f"{path.name}: field 'version' must be a non-empty string")
    if not isinstance(raw["rules"], list) or not all(isinstance(r, dict) for r in raw["rules"]):
        raise ValueError(f"{path.name}: field 'rules' must be a list of mappings")
    return _json_safe(raw)


def ruleset_files() -> list[Path]:
    """The rule set files shipped with the app, oldest version first."""
    return sorted(RULESETS_DIR.glob("*.yaml"), key=lambda p: _version_key(p.stem))


def _version_key(version: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in version.split("."))


def _read_yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _require(entry: dict, fields: tuple[str, ...], where: str) -> None:
    for name in fields:
        if name not in entry:
            raise ValueError(f"{where}: missing field {name!r}")
    unknown = set(entry) - set(fields) - {"notes", "name_zh"}
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}")


def _check_status(value: Any, where: str) -> str:
    if value not in SOURCE_STATUSES:
        raise ValueError(f"{where}: field 'status' must be one of {SOURCE_STATUSES}, got {value!r}")
    return value


def _load_attachment_kinds(raw: Any) -> dict[str, dict]:
    if not isinstance(raw, dict) or set(raw) != set(ATTACHMENT_KINDS):
        raise ValueError(f"standards catalogue: 'attachment_kinds' must list {ATTACHMENT_KINDS}")
    for kind, labels in raw.items():
        _require(labels, ("label", "label_zh"), f"attachment kind {kind!r}")
    return {kind: dict(raw[kind]) for kind in ATTACHMENT_KINDS}


def _load_categories(raw: Any) -> dict[str, dict]:
    if not isinstance(raw, dict) or set(raw) != set(CATEGORIES):
        raise ValueError(f"standards catalogue: 'categories' must list {CATEGORIES}")
    fields = ("label", "label_zh", "hs", "cn", "gacc53", "note", "source", "status")
    hs_codes = {}
    for slug in CATEGORIES:
        entry = raw[slug]
        where = f"category {slug!r}"
        _require(entry, fields, where)
        _check_status(entry["status"], where)
        for code_field in ("hs", "cn"):
            code = entry[code_field]
            if code is not None and not is_valid_hs_code(str(code)):
                raise ValueError(f"{where}: field {code_field!r} is not an HS code: {code!r}")
        if entry["gacc53"] and not entry["cn"]:
            raise ValueError(f"{where}: field 'cn' is required when 'gacc53' is true")
        hs_codes[slug] = {
            **entry,
            "hs": None if entry["hs"] is None else str(entry["hs"]),
            "cn": None if entry["cn"] is None else str(entry["cn"]),
        }
    return hs_codes


def _load_standards(raw: Any) -> dict[str, StandardSpec]:
    if not isinstance(raw, list) or not raw:
        raise ValueError("standards catalogue: 'standards' must be a non-empty list")
    fields = (
        "slug",
        "body",
        "title",
        "title_zh",
        "category",
        "protection_class",
        "jurisdiction",
        "key_criteria",
        "source",
        "status",
    )
    standards: dict[str, StandardSpec] = {}
    for index, entry in enumerate(raw):
        where = f"standard {entry.get('slug', f'#{index}')!r}"
        _require(entry, fields, where)
        slug = entry["slug"]
        if not _SLUG.match(slug):
            raise ValueError(f"{where}: field 'slug' must be UPPER_SNAKE_CASE")
        if slug in standards:
            raise ValueError(f"{where}: duplicate slug")
        categories = entry["category"]
        if not isinstance(categories, list) or not categories:
            raise ValueError(f"{where}: field 'category' must be a non-empty list")
        for category in categories:
            if category not in CATEGORIES:
                raise ValueError(f"{where}: field 'category' has unknown category {category!r}")
        _check_status(entry["status"], where)
        standards[slug] = StandardSpec(
            slug=slug,
            body=entry["body"],
            title=entry["title"],
            title_zh=entry["title_zh"],
            category=tuple(categories),
            protection_class=entry["protection_class"],
            jurisdiction=entry["jurisdiction"],
            key_criteria=entry["key_criteria"],
            source=entry["source"],
            status=entry["status"],
            notes=entry.get("notes", ""),
        )
    return standards


def _load_equivalences(raw: Any, standards: dict[str, StandardSpec]) -> tuple:
    if not isinstance(raw, list):
        raise ValueError("standards catalogue: 'equivalences' must be a list")
    groups = []
    seen = set()
    for index, entry in enumerate(raw):
        where = f"equivalence group {entry.get('slug', f'#{index}')!r}"
        _require(entry, ("slug", "name", "members", "basis", "source", "status"), where)
        if not _GROUP_SLUG.match(entry["slug"]) or entry["slug"] in seen:
            raise ValueError(f"{where}: field 'slug' must be unique lower_snake_case")
        seen.add(entry["slug"])
        members = entry["members"]
        if not isinstance(members, list) or len(members) < 2:
            raise ValueError(f"{where}: field 'members' must list at least two standards")
        for member in members:
            if member not in standards:
                raise ValueError(f"{where}: field 'members' has unknown standard {member!r}")
        groups.append(
            EquivalenceGroup(
                slug=entry["slug"],
                name=entry["name"],
                members=tuple(members),
                basis=entry["basis"],
                source=entry["source"],
                status=_check_status(entry["status"], where),
                name_zh=entry.get("name_zh", ""),
            )
        )
    return tuple(groups)


def _load_countries(raw: Any) -> dict[str, dict]:
    if not isinstance(raw, dict) or not raw:
        raise ValueError("standards catalogue: 'countries' must be a non-empty mapping")
    countries = {}
    for code, entry in raw.items():
        where = f"country {code!r}"
        if not isinstance(code, str) or not _COUNTRY_CODE.match(code):
            raise ValueError(f"{where}: key must be an ISO 3166-1 alpha-2 code")
        _require(entry, ("name", "name_zh", "profile", "min_shelf_life_days"), where)
        days = entry["min_shelf_life_days"]
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise ValueError(f"{where}: field 'min_shelf_life_days' must be a whole number >= 0")
        countries[code] = dict(entry)
    return countries


def is_valid_hs_code(code: str) -> bool:
    """True for a 6-digit HS code ("6307.90") or an 8/10-digit national code."""
    digits = code.replace(".", "").replace(" ", "")
    return digits.isdigit() and len(digits) in (6, 8, 10)


@functools.cache
def shipped_catalogue() -> Catalogue:
    """The catalogue file shipped with the code, read once per process (it changes on deploy)."""
    return load_catalogue()
