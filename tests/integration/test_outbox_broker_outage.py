"""Nothing is lost between commit and broker, nor when a worker dies mid-task.

A Redis of the test's own (never the machine's shared one) is stopped and started by the test;
the database is a SQLite file shared by the processes; every process is a real one.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = "tests.integration.outbox_probe"

pytestmark = [pytest.mark.redis, pytest.mark.worker]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    """A private Redis, a SQLite database file and worker processes on them."""

    def __init__(self, tmp_path: Path):
        if not shutil.which("redis-server"):
            pytest.skip("needs redis-server on the PATH (apt-get install redis-server)")
        self.tmp = tmp_path
        self.port = _free_port()
        self.redis = None
        self.workers: list[subprocess.Popen] = []
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER")
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="sfiec.settings",
            DJANGO_DEBUG="1",
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            REDIS_URL=f"redis://127.0.0.1:{self.port}/0",
            MEDIA_ROOT=str(tmp_path / "media"),
            CELERY_VISIBILITY_TIMEOUT="10",
        )
        self.manage("migrate", "--noinput")

    def manage(self, *args) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def enqueue(self, *labels: str, sleep: float = 0.0) -> None:
        """Commit one piece of work per label, each with its task in the outbox."""
        self.manage(
            "shell",
            "-c",
            "from django.db import transaction\n"
            "from sfiec.outbox import outbox_enqueue\n"
            f"from {PROBE} import probe_task\n"
            f"for label in {list(labels)!r}:\n"
            "    with transaction.atomic():\n"
            f"        outbox_enqueue(probe_task, label, {str(self.runs)!r}, sleep={sleep})\n",
        )

    @property
    def runs(self) -> Path:
        return self.tmp / "runs.txt"

    def run_labels(self) -> list[str]:
        return self.runs.read_text().split() if self.runs.exists() else []

    def unpublished(self) -> int:
        out = self.manage(
            "shell",
            "-c",
            "from sfiec.models import OutboxMessage\n"
            "print(OutboxMessage.objects.filter(published_at=None).count())",
        )
        return int(out.strip().splitlines()[-1])

    def redis_start(self) -> None:
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert _wait(lambda: _port_open(self.port), 20), "the private Redis did not start"

    def redis_stop(self) -> None:
        self.redis.terminate()
        self.redis.wait(timeout=20)
        assert not _port_open(self.port)

    def worker_start(self) -> subprocess.Popen:
        log = (self.tmp / f"worker-{len(self.workers)}.log").open("w")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "sfiec",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--include",
                PROBE,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers.append(process)
        return process

    def worker_log(self, process) -> str:
        return (self.tmp / f"worker-{self.workers.index(process)}.log").read_text()

    def started_labels(self) -> list[str]:
        started = self.tmp / "runs.txt.started"
        return started.read_text().split() if started.exists() else []

    def close(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        if self.redis and self.redis.poll() is None:
            self.redis.terminate()


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait(condition, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def stack(tmp_path):
    built = Stack(tmp_path)
    yield built
    built.close()


def test_work_committed_while_the_broker_is_down_runs_once_when_it_is_back(stack):
    stack.redis_start()
    worker = stack.worker_start()
    stack.enqueue("before")
    assert _wait(lambda: stack.run_labels() == ["before"]), stack.worker_log(worker)

    stack.redis_stop()
    stack.enqueue("during-1", "during-2", "during-3")  # the commits succeed all the same
    assert stack.unpublished() == 3
    assert stack.run_labels() == ["before"]

    stack.redis_start()
    assert "Published 3" in stack.manage("outbox_flush")
    assert _wait(lambda: len(stack.run_labels()) >= 4)
    time.sleep(2)  # time enough for a duplicate to show up, if there were one
    assert sorted(stack.run_labels()) == ["before", "during-1", "during-2", "during-3"]
    assert stack.unpublished() == 0


def test_a_worker_killed_mid_task_is_replaced_and_the_task_finishes_once(stack):
    stack.redis_start()
    first = stack.worker_start()
    stack.enqueue("slow", sleep=3)
    # Wait until the worker has taken the task, then kill it without a chance to clean up.
    assert _wait(lambda: stack.started_labels() == ["slow"], 60), stack.worker_log(first)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=20)
    assert stack.run_labels() == []

    # The broker hands an unacknowledged task out again once its visibility timeout has
    # passed; a worker restores such tasks when it starts.
    time.sleep(11)
    stack.worker_start()
    assert _wait(lambda: stack.run_labels() == ["slow"], 90), stack.run_labels()
    time.sleep(5)
    assert stack.run_labels() == ["slow"]
