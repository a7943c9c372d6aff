"""A task that records each run in a file: the outbox tests count runs with it.

Imported by the test process and, with ``--include``, by the worker processes they start.
"""

import time

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def probe_task(label: str, path: str, sleep: float = 0.0) -> str:
    with open(f"{path}.started", "a") as started:
        started.write(f"{label}\n")
    if sleep:
        time.sleep(sleep)
    with open(path, "a") as runs:
        runs.write(f"{label}\n")
    return label
