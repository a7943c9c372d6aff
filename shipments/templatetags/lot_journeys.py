"""Template access to the lot journeys, for pages of lower apps that cannot import shipments.

``{% offer_journeys offer as journeys %}`` reads every lot's path in one go (a bounded number
of queries); ``journeys|journey_for:lot`` picks one lot's steps.
"""

from django import template
from django.urls import Resolver404, resolve

from shipments.selectors import lot_journeys

register = template.Library()


@register.simple_tag
def offer_journeys(offer) -> dict:
    """Each lot of an accepted offer: its path so far (empty for an undecided offer)."""
    if offer is None or offer.status != "accepted":
        return {}
    return lot_journeys(lot_ids=[lot.pk for lot in offer.lots.all()])


@register.filter
def journey_for(journeys: dict, lot) -> list:
    return (journeys or {}).get(getattr(lot, "pk", None), [])


@register.simple_tag
def donor_proof_url(offer) -> str:
    """The donor's proof page of an offer, once the shipments app serves one; else empty."""
    path = f"/partner/offers/{offer.reference}/proof/"
    try:
        resolve(path)
    except Resolver404:
        return ""
    return path
