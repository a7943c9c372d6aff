"""Shipments listens to what donations announces (``donations.signals``)."""

from django.utils.translation import gettext as _

from . import services


def on_need_closing(sender, *, need_id, actor=None, **kwargs) -> None:
    """A need is closing: its reservations go back to the lots, in the same transaction."""
    services.need_matches_release_all(need_id=need_id, actor=actor, reason=_("The need closed."))
