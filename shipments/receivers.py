"""Shipments listens to what donations announces (``donations.signals``)."""

from django.utils.translation import gettext as _

from . import rollups, services


def on_need_closing(sender, *, need_id, actor=None, **kwargs) -> None:
    """A need is closing: its reservations go back to the lots, in the same transaction."""
    services.need_matches_release_all(need_id=need_id, actor=actor, reason=_("The need closed."))


def on_lot_facts_changed(sender, *, lot_id, **kwargs) -> None:
    """A lot was corrected: the goods of the shipments that carried it are summed again."""
    rollups.shipment_rollups_refresh_for_lot(lot_id=lot_id)
