"""Thin Celery tasks: load by id, call the service."""

from celery import shared_task
from django.db.models import Count

from . import services
from .models import ComplianceCheck, RuleSet


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def lot_checks_refresh_task(lot_id: int) -> list[str]:
    """Check one lot for every country it may go to; returns the results."""
    return [check.result for check in services.lot_checks_refresh(lot_id=lot_id)]


@shared_task
def rule_set_recheck_task(rule_set_id: int) -> int:
    """Re-run every stale current check under the active rule set, grouped for bulk passes."""
    if not RuleSet.objects.filter(pk=rule_set_id, is_active=True).exists():
        return 0  # a newer version has replaced it and queued its own re-check
    stale = ComplianceCheck.objects.filter(is_current=True, is_stale=True)
    groups = stale.values("country", "export_date", "arrival_date").annotate(n=Count("id"))
    done = 0
    for group in groups:
        lot_ids = stale.filter(
            country=group["country"],
            export_date=group["export_date"],
            arrival_date=group["arrival_date"],
        ).values_list("lot_id", flat=True)
        done += len(
            services.lots_check_for_destination(
                lot_ids=list(lot_ids),
                country=group["country"],
                export_date=group["export_date"],
                arrival_date=group["arrival_date"],
            )
        )
    return done
