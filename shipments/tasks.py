"""Thin Celery tasks: load by id, call the service."""

from celery import shared_task

from . import services
from .models import Shipment


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def shipment_checks_run_task(shipment_id: int) -> list[str]:
    """Check the lots of one shipment for its destination and dates."""
    shipment = Shipment.objects.select_related("city").get(pk=shipment_id)
    return [check.result for check in services.shipment_checks_run(shipment=shipment)]


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def need_match_confirmed_notify_task(match_id: int) -> list[str]:
    """Email the donor and the recipient contact about a confirmed match."""
    from .notifications import need_match_confirmed_notify

    return need_match_confirmed_notify(match_id=match_id)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def need_link_send_task(contact_id: int, city_id: int) -> str:
    """Email a recipient contact a signed link to record a need for the city."""
    from .notifications import need_link_send

    return need_link_send(contact_id=contact_id, city_id=city_id)
