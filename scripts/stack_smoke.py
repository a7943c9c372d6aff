#!/usr/bin/env python3
"""Start the production processes of docker-compose.yml without Docker and walk a journey.

The same processes as the compose stack (gunicorn with debug off, a worker on the short-task
queue, a worker on the PDF queue, beat) run against the PostgreSQL and Redis given in
DATABASE_URL and REDIS_URL. The journey: health, public pages, the demo story seeded through
the worker, an intake over the API whose compliance check a worker stores, and beat's outbox
flush. Prints each step; exits 1 on the first failure, with the processes' logs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sfiec_smoke \
    REDIS_URL=redis://127.0.0.1:6379/5 python scripts/stack_smoke.py
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Smoke:
    def __init__(self):
        for name in ("DATABASE_URL", "REDIS_URL"):
            if not os.environ.get(name):
                sys.exit(f"{name} must point at the service to run against.")
        self.work = Path(tempfile.mkdtemp(prefix="sfiec-smoke-"))
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            "DJANGO_SETTINGS_MODULE": "sfiec.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "SITE_URL": self.base,
            "MEDIA_ROOT": str(self.work / "media"),
            "OUTBOX_FLUSH_SECONDS": "2",
        }
        self.processes: dict[str, subprocess.Popen] = {}

    def step(self, text: str) -> None:
        print(f"- {text}", flush=True)

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode:
            self.fail(f"manage.py {' '.join(args)} failed:\n{result.stderr[-4000:]}")
        return result.stdout

    def start(self, name: str, *command: str) -> None:
        log = (self.work / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def log(self, name: str) -> str:
        path = self.work / f"{name}.log"
        return path.read_text() if path.exists() else ""

    def http(self, method: str, path: str, body=None, token: str = "") -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, method=method)
        if body is not None:
            request.data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Token {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def wait(self, what: str, condition, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if condition():
                    return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.5)
        self.fail(f"timed out waiting for {what}")

    def fail(self, message: str) -> None:
        # On stdout too, with the steps: a caller showing only the end of stderr, which the
        # processes' logs fill, still shows why.
        print(f"FAILED: {message}", flush=True)
        print(f"FAILED: {message}", file=sys.stderr)
        for name in self.processes:
            print(f"--- {name} log (tail) ---\n{self.log(name)[-3000:]}", file=sys.stderr)
        self.stop()
        sys.exit(1)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    def run(self) -> None:
        self.step("migrate and collect static files, as the image does")
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")

        self.step("start gunicorn, a worker per queue and beat (the compose stack's commands)")
        self.start(
            "web",
            PYTHON,
            "-m",
            "gunicorn",
            "sfiec.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "2",
        )
        self.start(
            "worker",
            PYTHON,
            "-m",
            "celery",
            "-A",
            "sfiec",
            "worker",
            "--loglevel=INFO",
            "--queues=celery",
            "--concurrency=2",
            "--hostname=smoke-short@%h",
        )
        self.start(
            "worker-pdf",
            PYTHON,
            "-m",
            "celery",
            "-A",
            "sfiec",
            "worker",
            "--loglevel=INFO",
            "--queues=pdf",
            "--concurrency=1",
            "--prefetch-multiplier=1",
            "--max-memory-per-child=400000",
            "--hostname=smoke-pdf@%h",
        )
        self.start(
            "beat",
            PYTHON,
            "-m",
            "celery",
            "-A",
            "sfiec",
            "beat",
            "--loglevel=INFO",
            f"--schedule={self.work / 'beat-schedule'}",
        )
        self.wait("gunicorn to answer /healthz", lambda: self.http("GET", "/healthz")[0] == 200)
        status, body = self.http("GET", "/healthz")
        checks = json.loads(body)["checks"]
        if checks != {"database": "ok", "redis": "ok"}:
            self.fail(f"/healthz reports {checks}")

        self.step("public pages and static files served with debug off")
        for path in ("/", "/offer/", "/api/docs/", "/accounts/login/"):
            status, page = self.http("GET", path)
            if status != 200:
                self.fail(f"GET {path} answered {status}")
        status, _ = self.http("GET", "/static/css/app.css")
        if status != 200:
            self.fail(f"GET /static/css/app.css answered {status}")

        self.step("seed the demo story; its tasks go through Redis to the worker")
        self.manage("seed_demo")
        token = (
            self.manage(
                "shell",
                "-c",
                "from django.contrib.auth import get_user_model\n"
                "from rest_framework.authtoken.models import Token\n"
                "user, _ = get_user_model().objects.get_or_create(username='smoke-admin', "
                "defaults={'is_staff': True, 'is_superuser': True})\n"
                "print(Token.objects.get_or_create(user=user)[0].key)",
            )
            .strip()
            .splitlines()[-1]
        )

        self.step("receive a pledged lot over the API; a worker stores its compliance check")
        lots = []
        status, body = self.http("GET", "/api/v1/offers/?status=accepted", token=token)
        if status != 200:
            self.fail(f"offer list answered {status}: {body[:300]!r}")
        for offer in json.loads(body)["results"]:
            status, body = self.http(
                "GET",
                f"/api/v1/lots/?status=pledged&offer__reference={offer['reference']}",
                token=token,
            )
            lots += json.loads(body)["results"]
        if not lots:
            self.fail("the demo story has no pledged lot of an accepted offer to receive")
        lot = lots[0]
        status, body = self.http(
            "POST",
            f"/api/v1/lots/{lot['reference']}/receive/",
            {"result": "accepted", "quantity_received": lot["quantity_offered"]},
            token=token,
        )
        if status != 200:
            self.fail(f"receive answered {status}: {body[:300]!r}")

        def stored_check():
            status, body = self.http(
                "GET", f"/api/v1/compliance-checks/?lot={lot['id']}&is_current=true", token=token
            )
            return status == 200 and json.loads(body)["count"] > 0

        self.wait("the worker to store the lot's check", stored_check)

        self.step("beat sends the outbox flush on schedule and a worker runs it")
        self.wait("beat to send outbox-flush", lambda: "outbox-flush" in self.log("beat"), 60)
        self.wait(
            "a worker to run the outbox flush",
            lambda: "sfiec.tasks.outbox_flush_task" in self.log("worker"),
            60,
        )
        for name, process in self.processes.items():
            if process.poll() is not None:
                self.fail(f"{name} exited with {process.returncode}")
        self.stop()
        print("stack smoke journey: all steps passed", flush=True)


if __name__ == "__main__":
    Smoke().run()
