"""What the engine reads and returns: a lot's facts, findings and the evaluation.

Plain frozen dataclasses, hashable and cheap: the evaluation's hot path works on them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

RESULT_PASS, RESULT_WARN, RESULT_FAIL = "pass", "warn", "fail"
SEVERITY_INFO, SEVERITY_WARN, SEVERITY_FAIL = "info", "warn", "fail"
RANK = {RESULT_PASS: 0, SEVERITY_INFO: 0, SEVERITY_WARN: 1, SEVERITY_FAIL: 2}
RESULTS = {0: RESULT_PASS, 1: RESULT_WARN, 2: RESULT_FAIL}


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
