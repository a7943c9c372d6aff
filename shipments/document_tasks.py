"""Thin Celery tasks for the customs documents: load by id, call the service."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from sfiec.outbox import OutboxTask

from . import documents

logger = logging.getLogger(__name__)

# Errors worth another try: the database or the storage was briefly unreachable.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


class DocumentTask(OutboxTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries exhausted or a permanent error: the document shows it failed, and why."""
        document_id = kwargs.get("document_id", args[0] if args else None)
        if document_id is not None:
            documents.shipment_document_mark_failed(
                document_id=document_id, error=f"{type(exc).__name__}: {exc}"
            )


@shared_task(
    base=DocumentTask,
    # Idempotent (the service checks the state and writes to a fixed key), so a message is
    # acknowledged only once the render is stored, and a killed worker's message comes back.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def shipment_document_render_task(document_id: int) -> str:
    """Render one version of one shipment document; returns its final state."""
    try:
        return documents.shipment_document_render(document_id=document_id).state
    except documents.DocumentRenderError as error:
        # Retrying cannot help (no CJK font, too many attempts): say so on the document.
        logger.error("document %s failed: %s", document_id, error)
        documents.shipment_document_mark_failed(document_id=document_id, error=str(error))
        return documents.State.FAILED
