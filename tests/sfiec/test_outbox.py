"""The outbox in-process: written with the work, published on commit, run once."""

import pytest
from django.db import transaction

from sfiec.models import OutboxMessage
from sfiec.outbox import outbox_enqueue, outbox_flush, outbox_publish
from tests.integration.outbox_probe import probe_task

pytestmark = pytest.mark.django_db(transaction=True)


def _runs(path):
    return path.read_text().split() if path.exists() else []


def test_a_task_runs_once_after_its_transaction_commits(tmp_path):
    runs = tmp_path / "runs"
    with transaction.atomic():
        message = outbox_enqueue(probe_task, "a", str(runs))
        assert _runs(runs) == []  # not before commit
    assert _runs(runs) == ["a"]
    message.refresh_from_db()
    assert message.published_at is not None and message.done_at is not None


def test_a_rolled_back_transaction_leaves_no_message_and_no_run(tmp_path):
    runs = tmp_path / "runs"
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(probe_task, "b", str(runs))
        raise RuntimeError("the work failed")
    assert not OutboxMessage.objects.exists()
    assert _runs(runs) == []


def test_a_message_published_again_after_it_ran_is_skipped(tmp_path):
    runs = tmp_path / "runs"
    message = outbox_enqueue(probe_task, "c", str(runs))
    OutboxMessage.objects.filter(pk=message.pk).update(published_at=None)

    assert outbox_publish(ids=[message.pk]) == 1
    assert outbox_flush(older_than_seconds=0) == 0
    assert _runs(runs) == ["c"]
