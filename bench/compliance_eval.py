"""Benchmark the pure compliance engine: 10,000 varied lots evaluated for one destination.

Run from the project root:
    .venv/bin/python bench/compliance_eval.py [--lots N] [--repeat R] [--rules 2020.1]

"cold" builds a fresh rule book for every run, so the time includes selecting and compiling
the rules for the destination and dates; "warm" reuses the compiled plan, as a long-running
process evaluating the same destination again would.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compliance.catalogue import (  # noqa: E402
    CATEGORIES,
    load_catalogue,
    load_ruleset_file,
    ruleset_files,
)
from compliance.engine import LotFacts, RuleBook  # noqa: E402

EXPORT_DATE = date(2020, 5, 6)
ARRIVAL_DATE = date(2020, 5, 20)
DESTINATIONS = ("IT", "KR")

# Documents a donor typically attaches, per category (one set is picked per lot).
ATTACHMENT_SETS = {
    "respirator_nonmedical": [
        ("export_declaration", "test_report"),
        ("export_declaration", "ce_certificate", "test_report"),
        ("export_declaration", "fda_eua"),
        ("mfds_approval", "export_declaration"),
        (),
    ],
    "respirator_medical": [
        ("nmpa_registration", "export_declaration"),
        ("nmpa_registration", "export_declaration", "ce_certificate"),
        ("niosh_approval", "export_declaration"),
    ],
    "medical_mask": [
        ("nmpa_registration", "export_declaration", "test_report"),
        ("eu_declaration_of_conformity", "export_declaration"),
        ("test_report",),
    ],
    "protective_clothing": [
        ("nmpa_registration", "export_declaration", "test_report"),
        ("ce_certificate", "export_declaration"),
    ],
}
DEFAULT_ATTACHMENTS = [
    ("ce_certificate", "nmpa_registration", "export_declaration"),
    ("eu_declaration_of_conformity",),
    ("test_report", "other"),
    (),
]


def build_lots(count: int, seed: int = 2020) -> list[LotFacts]:
    """Varied lots: every category, matching and mismatching standards, dates and papers."""
    rng = random.Random(seed)
    standards_by_category = {category: [None] for category in CATEGORIES}
    for spec in load_catalogue().standards.values():
        for category in spec.category:
            standards_by_category[category].append(spec.slug)
    lots = []
    for _ in range(count):
        category = rng.choice(CATEGORIES)
        manufactured = date(2019, 6, 1) + timedelta(days=rng.randrange(330))
        life_days = rng.choice((300, 730, 1095, 1825))
        expiry = manufactured + timedelta(days=life_days) if rng.random() > 0.05 else None
        lots.append(
            LotFacts(
                category=category,
                standard=rng.choice(standards_by_category[category]),
                manufacture_date=manufactured,
                expiry_date=expiry,
                attachments=frozenset(
                    rng.choice(ATTACHMENT_SETS.get(category, DEFAULT_ATTACHMENTS))
                ),
                manufacturer_whitelisted=rng.random() < 0.6,
                hs_code=rng.choice(("", "", "", "6307.90", "3808940010")),
            )
        )
    return lots


def main() -> None:
    """Print evaluations per second for each destination, cold and warm."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--rules", default=None, help="rule set version to load, e.g. 2020.1 (default: newest)"
    )
    args = parser.parse_args()

    catalogue = load_catalogue()
    files = {path.stem: path for path in ruleset_files()}
    data = load_ruleset_file(files[args.rules] if args.rules else ruleset_files()[-1])
    lots = build_lots(args.lots)
    print(f"rule set {data['version']}: {len(data['rules'])} rules; {len(lots):,} lots")
    print(f"export {EXPORT_DATE}, arrival {ARRIVAL_DATE}\n")

    def fresh_rulebook() -> RuleBook:
        return RuleBook.from_data(version=data["version"], rules=data["rules"], catalogue=catalogue)

    for country in DESTINATIONS:
        dates = {"country": country, "export_date": EXPORT_DATE, "arrival_date": ARRIVAL_DATE}
        cold = []
        for _ in range(args.repeat):
            rulebook = fresh_rulebook()
            started = time.perf_counter()
            evaluations = rulebook.evaluate_many(lots, **dates)
            cold.append(time.perf_counter() - started)
        warm = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            rulebook.evaluate_many(lots, **dates)
            warm.append(time.perf_counter() - started)
        results = Counter(evaluation.result for evaluation in evaluations)
        findings = sum(len(evaluation.findings) for evaluation in evaluations)
        best_cold, best_warm = min(cold), min(warm)
        print(f"{country}: {dict(sorted(results.items()))}, {findings:,} findings")
        print(
            f"  cold: {best_cold * 1000:7.1f} ms  evaluations/s: {len(lots) / best_cold:>10,.0f}"
            f"  ({best_cold / len(lots) * 1e6:.1f} µs per lot)"
        )
        print(
            f"  warm: {best_warm * 1000:7.1f} ms  evaluations/s: {len(lots) / best_warm:>10,.0f}"
            f"  ({best_warm / len(lots) * 1e6:.1f} µs per lot)"
        )


if __name__ == "__main__":
    main()
