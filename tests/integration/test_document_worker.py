"""Real Celery workers on Redis render the customs pack on the PDF queue, once, even if killed."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from sfiec.celery import app as celery_app
from shipments import documents
from shipments.document_tasks import shipment_document_render_task
from shipments.models import ShipmentDocument
from tests.services import require_postgres, require_redis
from tests.shipments.documents_helpers import pdf_text, shipment_with_lines

ROOT = Path(__file__).resolve().parents[2]
RENDER_TASK = shipment_document_render_task.name
# A killed worker's unacknowledged message comes back after this many seconds.
VISIBILITY_SECONDS = 3

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]


class Workers:
    """Starts worker processes on the test database, consuming this test's own two queues."""

    def __init__(self, media_root: Path):
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sfiec.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": (
                f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                f"/{db['NAME']}"
            ),
            "REDIS_URL": settings.REDIS_URL,
            "MEDIA_ROOT": str(media_root),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS),
        }
        suffix = uuid.uuid4().hex[:12]
        self.default_queue = f"sfiec-test-{suffix}"
        self.pdf_queue = f"sfiec-test-pdf-{suffix}"
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
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
                f"{self.default_queue},{self.pdf_queue}",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.processes.append(process)
        return process

    def stop_all(self) -> str:
        logs = []
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
            try:
                logs.append(process.communicate(timeout=30)[0] or "")
            except subprocess.TimeoutExpired:
                process.kill()
                logs.append(process.communicate()[0] or "")
        return "\n".join(logs)[-6000:]


@pytest.fixture
def workers(transactional_db, tmp_path, catalogue):
    """Producer side routed like production (PDFs to their queue), on this test's queues."""
    require_postgres()
    require_redis()
    pool = Workers(tmp_path)
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_default_queue, conf.task_routes
    conf.task_always_eager = False
    conf.task_default_queue = pool.default_queue
    conf.task_routes = {RENDER_TASK: {"queue": pool.pdf_queue}}
    _reset_router()
    yield pool
    conf.task_always_eager, conf.task_default_queue, conf.task_routes = saved
    _reset_router()
    pool.stop_all()


def _reset_router():
    # Celery builds its router from task_routes once; rebuild it for the changed routes.
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)


def _wait_for(condition, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _current(shipment):
    return {d.kind: d for d in documents.shipment_documents_current(shipment)}


def _all_ready(shipment):
    docs = _current(shipment)
    return bool(docs) and all(d.state == "ready" for d in docs.values())


def test_workers_render_the_pack_and_a_second_run_makes_no_new_version(
    workers, logistics_officer, tmp_path
):
    shipment = shipment_with_lines(logistics_officer, lines=2)
    workers.start()

    documents.shipment_documents_generate(shipment=shipment, actor=logistics_officer)

    assert _wait_for(lambda: _all_ready(shipment)), workers.stop_all()
    docs = _current(shipment)
    for kind, doc in docs.items():
        text = pdf_text((tmp_path / doc.file.name).read_bytes())
        assert shipment.reference in text, kind
        assert "捐赠" in text or "非医用" in text, kind
    for kind in (ShipmentDocument.Kind.PROFORMA_INVOICE, ShipmentDocument.Kind.PACKING_LIST):
        assert "6307.90" in pdf_text((tmp_path / docs[kind].file.name).read_bytes())

    # The same task again, and the same request again: nothing new.
    result = shipment_document_render_task.apply_async(
        args=[docs["packing_list"].pk], ignore_result=False
    )
    assert result.get(timeout=120, disable_sync_subtasks=False) == "ready"
    documents.shipment_documents_generate(shipment=shipment, actor=logistics_officer)
    time.sleep(2)
    again = ShipmentDocument.objects.filter(shipment=shipment)
    assert again.count() == len(docs)
    assert {(d.kind, d.version, d.state, d.sha256, d.rendered_at) for d in again} == {
        (k, 1, "ready", d.sha256, d.rendered_at) for k, d in docs.items()
    }


def test_a_worker_killed_mid_render_finishes_the_document_exactly_once(
    workers, logistics_officer, tmp_path
):
    # 10,000 units, 25 per carton: 400 carton labels, 100 pages, long enough to be killed in.
    shipment = shipment_with_lines(logistics_officer, lines=1, quantity=10_000, units_per_carton=25)
    first = workers.start()
    documents.shipment_documents_generate(shipment=shipment, actor=logistics_officer)
    labels = ShipmentDocument.objects.get(shipment=shipment, kind="carton_labels")

    assert _wait_for(
        lambda: ShipmentDocument.objects.filter(pk=labels.pk, state="rendering").exists()
    ), workers.stop_all()
    time.sleep(1.0)
    first.kill()  # SIGKILL: no clean-up, no acknowledgement
    first.wait(timeout=30)
    labels.refresh_from_db()
    assert labels.state == "rendering" and labels.attempts == 1, "the render ended before the kill"

    time.sleep(VISIBILITY_SECONDS + 1)  # the message is due again when the new worker starts
    workers.start()

    assert _wait_for(lambda: _all_ready(shipment)), workers.stop_all()
    labels.refresh_from_db()
    assert labels.version == 1 and labels.attempts == 2
    assert ShipmentDocument.objects.filter(shipment=shipment, kind="carton_labels").count() == 1
    stored = sorted(p.name for p in (tmp_path / "documents" / shipment.reference).iterdir())
    assert stored == sorted(f"{kind}-v1.pdf" for kind in _current(shipment))
    data = (tmp_path / labels.file.name).read_bytes()
    import hashlib

    assert hashlib.sha256(data).hexdigest() == labels.sha256
    text = pdf_text(data)
    assert "C/No. 400 / 400" in text and labels.pages == 100
