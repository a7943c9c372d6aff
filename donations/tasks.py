"""Thin Celery tasks: load by id, call one function. Emails are retried on transient errors."""

from smtplib import SMTPException

from celery import shared_task

from . import notifications

_RETRY = {
    "autoretry_for": (SMTPException, ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_kwargs": {"max_retries": 5},
}


@shared_task(**_RETRY)
def offer_submitted_notify_task(offer_id: int) -> None:
    """Email the contact the offer reference and tell staff a new offer awaits review."""
    notifications.offer_submitted_notify(offer_id=offer_id)


@shared_task(**_RETRY)
def offer_decision_notify_task(offer_id: int) -> None:
    """Email the contact the decision on their offer and its reason."""
    notifications.offer_decision_notify(offer_id=offer_id)
