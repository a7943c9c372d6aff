"""Every line of the ASVS checklist names a test that exists."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKLIST = ROOT / "docs" / "asvs-level2.md"
TEST_ID = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
ITEM = re.compile(r"^\|\s*(V\d+\.\d+\.\d+)\s*\|")


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    }


def test_every_checklist_item_names_existing_tests():
    rows = [line for line in CHECKLIST.read_text().splitlines() if ITEM.match(line)]
    assert len(rows) >= 30, "the checklist covers V3, V5, V12 and V13"
    missing = []
    for row in rows:
        item = ITEM.match(row).group(1)
        named = TEST_ID.findall(row)
        if not named and "n/a" not in row.lower():
            missing.append(f"{item}: names no test")
        for file, name in named:
            path = ROOT / file
            if not path.is_file() or name not in _test_functions(path):
                missing.append(f"{item}: {file}::{name} does not exist")
    assert not missing, "\n".join(missing)


def test_the_checklist_covers_the_four_chapters():
    text = CHECKLIST.read_text()
    for chapter in ("V3.", "V5.", "V12.", "V13."):
        assert f"| {chapter}" in text, chapter
