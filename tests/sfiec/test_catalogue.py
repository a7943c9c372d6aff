"""Every message the code and templates show has a Simplified Chinese translation.

makemessages runs on a copy of the project (it writes the catalogue in place), then every
entry of the regenerated catalogues must be translated and not fuzzy.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", ".git", "staticfiles", "media", "backups", "node_modules", "test-artifacts"}


def _copy(target: Path) -> None:
    def ignore(folder, names):
        return [n for n in names if n in SKIP_DIRS or n.endswith((".sqlite3", ".pyc"))]

    shutil.copytree(ROOT, target, ignore=ignore)


def _open_entries(po: Path) -> list[str]:
    """The msgids of entries that are untranslated or fuzzy (msgattrib from gettext)."""
    found = []
    for flag in ("--untranslated", "--only-fuzzy"):
        out = subprocess.run(
            ["msgattrib", flag, "--no-obsolete", "--no-wrap", str(po)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        found += [
            line[len('msgid "') : -1]
            for line in out.splitlines()
            if line.startswith('msgid "') and line != 'msgid ""'
        ]
    return found


def test_every_message_has_a_chinese_translation(tmp_path):
    if not shutil.which("msgattrib"):
        pytest.skip("needs gettext (apt-get install gettext)")
    project = tmp_path / "project"
    _copy(project)
    for domain in ("django", "djangojs"):
        args = [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "-d", domain]
        args += ["--ignore=.venv", "--ignore=staticfiles", "--ignore=static/vendor"]
        subprocess.run(
            args,
            cwd=project,
            env={"DJANGO_DEBUG": "1", "PATH": "/usr/bin:/bin"},
            check=True,
            capture_output=True,
        )
    missing = {
        domain: _open_entries(project / "locale/zh_Hans/LC_MESSAGES" / f"{domain}.po")
        for domain in ("django", "djangojs")
    }
    assert missing == {"django": [], "djangojs": []}, "run `make messages` and translate these"
