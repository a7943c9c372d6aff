"""A real Celery worker on Redis runs the work that services enqueue after commit."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from compliance.models import ComplianceCheck
from donations import services as donation_services
from sfiec.celery import app as celery_app
from tests import factories
from tests.services import require_postgres, require_redis

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A worker process on the test database; tasks go through the broker, not in-process."""
    require_postgres()
    require_redis()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sfiec.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "MEDIA_ROOT": str(tmp_path),
    }
    # A queue of its own, so no other worker on this Redis takes the test's tasks.
    queue = f"sfiec-test-{uuid.uuid4().hex[:12]}"
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
            "--without-heartbeat",
            "--queues",
            queue,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    was_eager, was_queue = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    yield process
    celery_app.conf.task_always_eager = was_eager
    celery_app.conf.task_default_queue = was_queue
    process.terminate()
    try:
        process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def _wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.redis
def test_intake_enqueues_the_compliance_check_and_a_worker_runs_it(worker, coordinator):
    from compliance import services as compliance_services

    compliance_services.rules_load()
    busan = factories.SisterCityFactory(slug="busan", name="Busan", name_zh="釜山", country="KR")
    lot = factories.LotFactory(
        offer=factories.OfferFactory(preferred_city=busan, status="accepted")
    )

    donation_services.lot_intake(
        lot=lot, actor=coordinator, result="accepted", quantity_received=500
    )

    assert _wait_for(lambda: ComplianceCheck.objects.filter(lot=lot, is_current=True).exists()), (
        "the worker did not store a check; its log:\n" + _drain(worker)
    )
    check = ComplianceCheck.objects.get(lot=lot, is_current=True)
    assert check.country == "KR" and check.result in ("pass", "warn", "fail")
    assert check.rule_set.version == "2020.2"


def _drain(process) -> str:
    process.terminate()
    return process.communicate(timeout=30)[0]
