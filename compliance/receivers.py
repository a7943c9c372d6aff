"""Compliance listens to what donations announces (``donations.signals``) and queues checks.

Donations sends its signals after commit, so the lots are there when the checks run. Connected
in ``ComplianceConfig.ready``.
"""

from . import services


def on_lots_received(sender, *, lot_ids, **kwargs) -> None:
    """Received lots (accepted or quarantined at intake) get their checks queued."""
    services.lot_checks_enqueue(lot_ids)


def on_lot_facts_changed(sender, *, lot_id, **kwargs) -> None:
    """A lot's facts changed: its current checks go stale and are run again."""
    services.lot_inputs_changed(lot_id=lot_id)


def on_post_migrate(sender, *, using, **kwargs) -> None:
    """Every ``migrate`` leaves the shipped catalogue and rule sets loaded, one of them active."""
    from django.db import DEFAULT_DB_ALIAS

    if using == DEFAULT_DB_ALIAS:
        services.rules_load()
