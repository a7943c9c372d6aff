"""`manage.py backup` and `restore` round trip: every row and every media file comes back.

Run as a user runs them, in separate processes against a real database file or server, so the
restore lands in a fresh database the backup never saw.
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Every row of every model and every media file, digested; equal digests mean nothing was lost.
FINGERPRINT = """
import hashlib, json
from pathlib import Path
from django.apps import apps
from django.conf import settings
from django.db.models import FileField
out = {}
for model in apps.get_models():
    rows = list(model._default_manager.order_by("pk").values())
    out[model._meta.label] = [len(rows), hashlib.sha256(
        json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest()]
    for field in model._meta.fields:
        if isinstance(field, FileField):
            for row in rows:
                name = row[field.attname]
                if name:
                    assert (Path(settings.MEDIA_ROOT) / name).is_file(), name
root = Path(settings.MEDIA_ROOT)
out["media"] = {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file()}
print(json.dumps(out, sort_keys=True))
"""


def _manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _environment(database_url, media_root, backup_dir):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER")
    }
    env.update(
        DJANGO_DEBUG="1",
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media_root),
        BACKUP_DIR=str(backup_dir),
        DJANGO_SETTINGS_MODULE="sfiec.settings",
    )
    return env


def _round_trip(tmp_path, source_url, target_url):
    source = _environment(source_url, tmp_path / "media-a", tmp_path / "backups")
    _manage(source, "migrate", "--noinput")
    _manage(source, "seed_demo")
    evidence = tmp_path / "media-a" / "evidence" / "2026" / "11"
    evidence.mkdir(parents=True)
    (evidence / "receipt.jpg").write_bytes(bytes(range(256)) * 300)
    (evidence / "distribution report.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(5000))
    before = _manage(source, "shell", "-c", FINGERPRINT)

    archive = _manage(source, "backup").strip().splitlines()[-1]
    assert Path(archive).is_file() and archive.endswith(".tar.gz")

    target = _environment(target_url, tmp_path / "media-b", tmp_path / "backups")
    _manage(target, "restore", archive)
    after = _manage(target, "shell", "-c", FINGERPRINT)
    assert after == before
    assert '"shipments.Shipment": [0' not in after, "the demo story has shipments to restore"


def test_backup_round_trip_on_sqlite(tmp_path):
    _round_trip(tmp_path, f"sqlite:///{tmp_path / 'a.sqlite3'}", f"sqlite:///{tmp_path / 'b.db'}")


def test_restore_refuses_a_damaged_archive(tmp_path):
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not an archive")
    env = _environment(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "m", tmp_path / "b")
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(broken)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "not a readable backup archive" in result.stderr


@pytest.mark.postgres
def test_backup_round_trip_on_postgres(tmp_path):
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    import psycopg2

    parts = urlparse(server)
    names = ("sfiec_backup_source", "sfiec_backup_target")
    admin = psycopg2.connect(
        dbname="postgres",
        user=parts.username,
        password=parts.password,
        host=parts.hostname,
        port=parts.port or 5432,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {name}")
    try:
        source_url, target_url = (parts._replace(path=f"/{name}").geturl() for name in names)
        _round_trip(tmp_path, source_url, target_url)
    finally:
        with admin.cursor() as cursor:
            for name in names:
                cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
