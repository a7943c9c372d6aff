"""The export-compliance rule engine: evaluates material lots against versioned rule data.

Pure Python (no Django settings needed). Rules are data (``compliance/data/rulesets/``):

- ``schema``: the rule set format, declared once as pydantic models; validates a file or a
  rule list edited in the admin and names each problem by its path;
- ``kinds``: what each rule kind does with a lot, as compiled checks;
- ``evaluation``: the ``RuleBook``, which selects the rules that apply to a destination and
  pair of dates, compiles them once into a plan and evaluates lots against it;
- ``facts``: the lot facts the engine reads and the findings it returns.

Validation happens when a rule book is built, never per evaluation.
"""

from compliance.datafile import DataError
from compliance.engine.evaluation import RuleBook, load_rulebook
from compliance.engine.facts import (
    RESULT_FAIL,
    RESULT_PASS,
    RESULT_WARN,
    SEVERITY_FAIL,
    SEVERITY_INFO,
    SEVERITY_WARN,
    Evaluation,
    Finding,
    LotFacts,
)
from compliance.engine.schema import (
    DEFAULT_MIN_SHELF_LIFE_DAYS,
    ROUTE_SEVERITIES,
    RULE_KINDS,
    SEVERITIES,
    SHELF_LIFE_CHECKS,
    SIDE_DESTINATION,
    SIDE_EXPORT,
    validate_rule_set,
    validate_rules,
)

__all__ = [
    "DEFAULT_MIN_SHELF_LIFE_DAYS",
    "DataError",
    "Evaluation",
    "Finding",
    "LotFacts",
    "RESULT_FAIL",
    "RESULT_PASS",
    "RESULT_WARN",
    "ROUTE_SEVERITIES",
    "RULE_KINDS",
    "RuleBook",
    "SEVERITIES",
    "SEVERITY_FAIL",
    "SEVERITY_INFO",
    "SEVERITY_WARN",
    "SHELF_LIFE_CHECKS",
    "SIDE_DESTINATION",
    "SIDE_EXPORT",
    "load_rulebook",
    "validate_rule_set",
    "validate_rules",
]
