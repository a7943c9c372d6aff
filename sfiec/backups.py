"""Backups of the database and the media folder in one archive, for SQLite and PostgreSQL alike.

An archive is a gzipped tar holding ``manifest.json`` (engine, time, every media file's sha256),
the database (``database.sqlite3``, a consistent copy made with SQLite's online backup, or
``database.pgdump``, a ``pg_dump`` custom-format dump) and ``media/``. Restoring checks each
file against the manifest, so a damaged archive is refused instead of half restored.
"""

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


class BackupError(Exception):
    """The archive cannot be made or restored; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise ImproperlyConfigured(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump / pg_restore; the password travels in the environment."""
    db = settings.DATABASES["default"]
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    environment = {**os.environ}
    if db.get("PASSWORD"):
        environment["PGPASSWORD"] = str(db["PASSWORD"])
    return args, environment


def _media_files(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())


def backup_create(*, directory: Path) -> Path:
    """Write a new archive into ``directory`` and return its path."""
    engine = _engine()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    archive = directory / f"sfiec-backup-{stamp}.tar.gz"
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="sfiec-backup-") as scratch:
        dump = Path(scratch) / ("database.sqlite3" if engine == "sqlite" else "database.pgdump")
        if engine == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(dump)
            with target:
                connection.connection.backup(target)
            target.close()
        else:
            args, environment = _pg_environment()
            result = subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), *args],
                env=environment,
                capture_output=True,
                text=True,
            )
            if result.returncode:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        files = _media_files(media_root)
        manifest = {
            "format": FORMAT_VERSION,
            "engine": engine,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "database": {"name": dump.name, "sha256": _sha256(dump)},
            "media": {str(p.relative_to(media_root)): _sha256(p) for p in files},
        }
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=dump.name)
            for path in files:
                tar.add(path, arcname=f"media/{path.relative_to(media_root)}")
        partial.rename(archive)  # a crash mid-write never leaves a complete-looking archive
    return archive


def _extract_checked(archive: Path, into: Path) -> dict:
    """Unpack the archive and verify every member against its manifest."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(into, filter="data")  # refuses absolute paths and links out
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{archive} is not a readable backup archive: {error}") from error
    try:
        manifest = json.loads((into / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{archive} has no valid {MANIFEST}.") from error
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    database = into / manifest["database"]["name"]
    if not database.is_file() or _sha256(database) != manifest["database"]["sha256"]:
        raise BackupError("The database dump in the archive is missing or damaged.")
    for name, digest in manifest["media"].items():
        path = into / "media" / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"The media file {name} in the archive is missing or damaged.")
    return manifest


def backup_restore(*, archive: Path) -> dict:
    """Restore an archive into the configured database and media folder; returns the manifest.

    The target database must be of the archive's engine. Its tables are replaced; media files
    in the archive overwrite files of the same name, other files are left alone.
    """
    engine = _engine()
    with tempfile.TemporaryDirectory(prefix="sfiec-restore-") as scratch:
        unpacked = Path(scratch)
        manifest = _extract_checked(archive, unpacked)
        if manifest["engine"] != engine:
            raise BackupError(
                f"The archive holds a {manifest['engine']} database; this site uses {engine}."
            )
        dump = unpacked / manifest["database"]["name"]
        if engine == "sqlite":
            connection.ensure_connection()
            source = sqlite3.connect(dump)
            with source:
                source.backup(connection.connection)
            source.close()
            connection.close()
        else:
            connection.close()
            args, environment = _pg_environment()
            result = subprocess.run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--exit-on-error",
                    *args,
                    str(dump),
                ],
                env=environment,
                capture_output=True,
                text=True,
            )
            if result.returncode:
                raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        media_root = Path(settings.MEDIA_ROOT)
        for name in manifest["media"]:
            target = media_root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(unpacked / "media" / name, target)
    return manifest
