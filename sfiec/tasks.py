"""Thin Celery tasks of the project itself."""

from celery import shared_task

from . import outbox


@shared_task
def outbox_flush_task() -> int:
    """Publish the outbox messages a broker outage kept back."""
    return outbox.outbox_flush()
