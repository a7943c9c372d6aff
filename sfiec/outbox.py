"""A transactional outbox for the tasks that must not be lost.

``outbox_enqueue`` writes the task as a row in the caller's transaction and publishes it to the
broker once that transaction commits. If the broker is down the row stays unpublished and
``outbox_flush`` (Celery beat, every ``OUTBOX_FLUSH_SECONDS``, and the ``outbox_flush``
command) sends it later. Delivery is at least once; execution is once: the message key is the
Celery task id, and ``OutboxTask`` skips a message that has already run to the end. Tasks stay
idempotent for the window between a crash mid-run and its redelivery.
"""

import logging
import uuid
from collections.abc import Iterable

from celery import Task, current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import OutboxMessage

logger = logging.getLogger(__name__)


def outbox_enqueue(task, *args, queue: str = "", **kwargs) -> OutboxMessage:
    """Record ``task(*args, **kwargs)`` in the current transaction; publish it after commit.

    ``task`` is a Celery task or its registered name; arguments must be JSON-serialisable.
    """
    name = task if isinstance(task, str) else task.name
    message = OutboxMessage.objects.create(
        key=uuid.uuid4().hex, task=name, args=list(args), kwargs=kwargs, queue=queue
    )
    transaction.on_commit(lambda: outbox_publish(ids=[message.pk]))
    return message


def outbox_publish(*, ids: Iterable[int]) -> int:
    """Send the given unpublished messages to the broker; returns how many were sent.

    Stops at the first broker error (the others would fail the same way); those messages
    stay unpublished for ``outbox_flush``. Never raises for a broker outage, so the request
    that committed the work still succeeds.
    """
    sent = 0
    for message in OutboxMessage.objects.filter(pk__in=list(ids), published_at=None).order_by("pk"):
        try:
            _send(message)
        except Exception as error:  # kombu, redis and socket errors alike
            if current_app.conf.task_always_eager:
                raise  # eager tasks run here: their errors are the caller's, as with .delay()
            logger.warning("outbox: %s not published, will retry: %s", message, error)
            OutboxMessage.objects.filter(pk=message.pk).update(
                publish_attempts=message.publish_attempts + 1, last_error=str(error)[:2000]
            )
            break
        sent += 1
    return sent


def _send(message: OutboxMessage) -> None:
    options = {"task_id": message.key}
    if message.queue:
        options["queue"] = message.queue
    # Marked before sending: an eager task runs inside apply_async and may enqueue more work.
    OutboxMessage.objects.filter(pk=message.pk).update(
        published_at=timezone.now(), publish_attempts=message.publish_attempts + 1
    )
    try:
        if current_app.conf.task_always_eager:
            _task(message.task).apply_async(args=message.args, kwargs=message.kwargs, **options)
        else:
            # By name: the flushing process need not import the task's module. Queues come
            # from CELERY_TASK_ROUTES, which send_task and apply_async both follow.
            current_app.send_task(
                message.task, args=message.args, kwargs=message.kwargs, retry=False, **options
            )
    except Exception:
        OutboxMessage.objects.filter(pk=message.pk).update(published_at=None)
        raise


def _task(name: str) -> Task:
    """The registered task, importing its module when nothing has yet (task name = its path)."""
    if name not in current_app.tasks:
        import_string(name)
    return current_app.tasks[name]


def outbox_flush(*, older_than_seconds: int = 5, batch: int = 500) -> int:
    """Publish what is still unpublished (a broker was down); returns how many were sent.

    Messages younger than ``older_than_seconds`` are left to their own after-commit publish.
    Finished messages older than ``OUTBOX_KEEP_DAYS`` are deleted.
    """
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    pending = OutboxMessage.objects.filter(published_at=None, created_at__lte=cutoff)
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            # Two flushers never publish the same message twice.
            pending = pending.select_for_update(skip_locked=True)
        ids = list(pending.order_by("pk").values_list("pk", flat=True)[:batch])
        sent = outbox_publish(ids=ids)
    keep = timezone.now() - timezone.timedelta(days=settings.OUTBOX_KEEP_DAYS)
    OutboxMessage.objects.filter(done_at__lt=keep).delete()
    return sent


def _lease() -> timezone.timedelta:
    """How long a run holds its message: until the broker would hand it out again."""
    seconds = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    return timezone.timedelta(seconds=max(1, seconds - 1))


class OutboxTask(Task):
    """Every task of the project: an outbox message runs once, then is marked done.

    A run first claims its message for the lease; a second delivery of the same message while
    it runs (a flush and the first publish both landing), or after it finished, is skipped. A
    worker that dies mid-run leaves the claim to lapse, so the broker's redelivery runs it.
    """

    def __call__(self, *args, **kwargs):
        key = getattr(self.request, "id", None)
        claimed = False
        if key and len(key) == 32 and not self.request.is_eager:
            now = timezone.now()
            claimed = bool(
                OutboxMessage.objects.filter(key=key, done_at=None)
                .filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
                .update(claimed_until=now + _lease())
            )
            if not claimed and OutboxMessage.objects.filter(key=key).exists():
                logger.info("outbox: %s already ran or is running; skipped", key)
                return None
        elif key and len(key) == 32:
            # Eager: the caller's own process runs it now; only a finished message is skipped.
            if OutboxMessage.objects.filter(key=key).exclude(done_at=None).exists():
                return None
            claimed = True
        result = super().__call__(*args, **kwargs)
        if claimed:
            OutboxMessage.objects.filter(key=key, done_at=None).update(done_at=timezone.now())
        return result
