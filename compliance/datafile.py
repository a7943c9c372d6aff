"""Reading the compliance data files and reporting their problems by path.

The catalogue (``compliance/catalogue.py``) and the rule set format (``compliance/engine/
schema.py``) are declared as pydantic models; this module holds what both need: strict
scalar types, and ``validate`` that turns pydantic's errors into one ``DataError`` whose
lines read ``rules[3].message_zh: Field required (rule 'CN-ANN5-NMPA')``.

Pure Python (no Django settings needed).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic import TypeAdapter as TypeAdapter  # re-exported for the schemas

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Errors listed in full before the rest are summarised.
MAX_LISTED_PROBLEMS = 20


class DataError(ValueError):
    """A data file or rule list that does not fit its declared format.

    ``problems`` holds one ``"path: message"`` line per problem; ``str()`` joins them.
    """

    def __init__(self, problems: list[str]):
        self.problems = problems
        listed = problems[:MAX_LISTED_PROBLEMS]
        if len(problems) > len(listed):
            listed.append(f"… and {len(problems) - len(listed)} more problems")
        super().__init__("\n".join(listed))


class FieldProblem(ValueError):
    """Raised inside a model validator to report a problem at a field below the model."""

    def __init__(self, loc: tuple[str | int, ...], message: str):
        self.loc = loc
        super().__init__(message)


class Model(BaseModel):
    """Base of every data model: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _chinese(value: str) -> str:
    if not _CJK.search(value):
        raise ValueError("must be written in Chinese")
    return value


def _iso_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        raise ValueError(f"expected a date, not a date-time: {value!r}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"not a valid date (YYYY-MM-DD): {value!r}")


def strict_str(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__} {value!r}")
    return value


Str = Annotated[str, BeforeValidator(strict_str)]
Text = Annotated[Str, AfterValidator(_non_blank)]
ChineseText = Annotated[Text, AfterValidator(_chinese)]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


def pattern(regex: str, what: str) -> AfterValidator:
    """A validator refusing text that does not match ``regex`` ("must be <what>")."""
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(f"must be {what}: {value!r}")
        return value

    return AfterValidator(check)


def chinese_ok(text: str) -> bool:
    """True if the text has at least one CJK ideograph."""
    return bool(_CJK.search(text))


def validate(adapter: TypeAdapter, data: Any, *, root: str = "", context: dict | None = None):
    """Validate data with a type adapter; raise DataError with one line per problem."""
    try:
        return adapter.validate_python(data, context=context or {})
    except ValidationError as error:
        raise DataError(_problems(error, data, root)) from None


def _problems(error: ValidationError, data: Any, root: str) -> list[str]:
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        cause = (item.get("ctx") or {}).get("error")
        message = item["msg"].removeprefix("Value error, ")
        if isinstance(cause, FieldProblem):
            loc += cause.loc
            message = str(cause)
        if item["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc += (item["ctx"]["discriminator"].strip("'"),)
        path = format_path(_drop_tags(loc, data), root)
        problems.append(f"{path}: {message}{_rule_hint(loc, data, root)}")
    return problems


def _drop_tags(loc: tuple, data: Any) -> tuple:
    """Pydantic puts the tag of a tagged union (the rule's kind) into the path: drop it."""
    kept, node = [], data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part not in node:
            if isinstance(node.get("kind"), str) and node.get("kind") == part:
                continue
        if part == "[key]":
            continue
        kept.append(part)
        node = _child(node, part)
    return tuple(kept)


def _child(node: Any, part: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def format_path(loc: Iterable[str | int], root: str = "") -> str:
    """``("rules", 3, "params", "routes", 0)`` -> ``rules[3].params.routes[0]``."""
    path = root
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"


def _rule_hint(loc: tuple, data: Any, root: str) -> str:
    """Name the rule an error is in, so it can be found by id as well as by position."""
    parts = loc if not root else (root, *loc)
    node = {root: data} if root else data
    if len(parts) >= 2 and parts[0] == "rules" and isinstance(parts[1], int):
        rule = _child(_child(node, "rules"), parts[1])
        if isinstance(rule, dict) and isinstance(rule.get("id"), str):
            return f" (rule {rule['id']!r})"
    return ""


def read_yaml(path: Path) -> Any:
    """The parsed content of a YAML file."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def json_safe(value: Any) -> Any:
    """YAML-loaded data with dates as ISO strings, ready to be stored as JSON."""
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
