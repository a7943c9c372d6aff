"""Thin Celery tasks of the receipt loop: load by id, call one function of ``receipts``.

Registered through ``ShipmentsConfig.ready`` (Celery's autodiscovery looks only at tasks.py).
Emails are retried on transient errors; every task is safe to run twice.
"""

from smtplib import SMTPException

from celery import shared_task

from . import receipts
from .models import Shipment

_RETRY = {
    "autoretry_for": (SMTPException, ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_kwargs": {"max_retries": 5},
}


@shared_task(name="shipments.receipt_request_open")
def receipt_request_open_task(shipment_id: int) -> None:
    """Open the receipt request of a delivered shipment (once) and email its link."""
    receipts.receipt_request_open(shipment=Shipment.objects.get(pk=shipment_id))


@shared_task(name="shipments.receipt_recipient_notify", **_RETRY)
def receipt_recipient_notify_task(request_id: int, kind: str) -> None:
    """Email the recipient contact the link, a reminder or a staff decision."""
    receipts.receipt_recipient_notify(request_id=request_id, kind=kind)


@shared_task(name="shipments.receipt_staff_notify", **_RETRY)
def receipt_staff_notify_task(shipment_id: int, kind: str) -> None:
    """Tell staff about an upload to check, an unanswered request or a missing contact."""
    receipts.receipt_staff_notify(shipment_id=shipment_id, kind=kind)


@shared_task(name="shipments.receipt_reminders_send")
def receipt_reminders_send_task() -> dict:
    """Beat, hourly: remind overdue recipients and tell staff after the last reminder."""
    return receipts.receipt_reminders_send()
