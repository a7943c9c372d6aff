"""The Celery app, configured from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sfiec.settings")

# Every task skips an outbox message that already ran (sfiec/outbox.py).
app = Celery("sfiec", task_cls="sfiec.outbox:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The document renderers live beside the shipment tasks, in a module of their own.
app.autodiscover_tasks(["shipments"], related_name="document_tasks")
