"""Thin Celery tasks: load by id, call the service."""

from celery import shared_task

from . import services
from .models import RuleSet


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def lot_checks_refresh_task(lot_id: int) -> list[str]:
    """Check one lot for every country it may go to; returns the results."""
    return [check.result for check in services.lot_checks_refresh(lot_id=lot_id)]


@shared_task
def rule_set_recheck_task(rule_set_id: int) -> int:
    """Re-run every stale current check under the active rule set, in bulk batches."""
    if not RuleSet.objects.filter(pk=rule_set_id, is_active=True).exists():
        return 0  # a newer version has replaced it and queued its own re-check
    return services.checks_recheck_stale()
