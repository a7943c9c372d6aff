"""The compose stack's processes, started without Docker, pass a smoke journey (CI)."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "sfiec_stack_smoke"


@pytest.mark.server
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
def test_the_stack_processes_pass_the_smoke_journey(tmp_path):
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server on the PATH")
    import psycopg2

    parts = urlparse(server)
    admin = psycopg2.connect(
        dbname="postgres",
        user=parts.username,
        password=parts.password,
        host=parts.hostname,
        port=parts.port or 5432,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {DATABASE}")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # A Redis of its own: the stack's workers must not take other tests' tasks.
    redis = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        env = {
            **os.environ,
            "DATABASE_URL": parts._replace(path=f"/{DATABASE}").geturl(),
            "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        }
        result = subprocess.run(
            [sys.executable, "scripts/stack_smoke.py"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert result.returncode == 0, result.stdout + result.stderr[-6000:]
        assert "all steps passed" in result.stdout
    finally:
        redis.terminate()
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.close()
