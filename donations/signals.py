"""What donations announces to the apps above it, which listen; donations imports none of them.

Both are sent after the change commits (``transaction.on_commit``), so a receiver that queues
work finds the rows it needs.
"""

from django.db import transaction
from django.dispatch import Signal

# Lots were received at intake (accepted or quarantined): their compliance checks are due.
# Sent with ``lot_ids`` (a list of primary keys).
lots_received = Signal()

# A lot's facts changed (details corrected, a file added): checks made on the old facts are
# out of date. Sent with ``lot_id``.
lot_facts_changed = Signal()


def lots_received_announce(lot_ids) -> None:
    """Send ``lots_received`` once the current transaction commits."""
    lot_ids = list(lot_ids)
    transaction.on_commit(lambda: lots_received.send(sender=None, lot_ids=lot_ids))


def lot_facts_changed_announce(lot_id: int) -> None:
    """Send ``lot_facts_changed`` once the current transaction commits."""
    transaction.on_commit(lambda: lot_facts_changed.send(sender=None, lot_id=lot_id))


# A need is being closed: the apps above release what they hold for it (shipments' reserved
# matches). Sent with ``need_id`` and ``actor`` INSIDE the closing transaction, not after it,
# so the close and the releases commit together or not at all.
need_closing = Signal()
