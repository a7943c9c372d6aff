"""What a check is made of: a lot's facts for the engine and the fingerprint of its inputs.

Shared by the services that store checks and the selectors that judge whether a stored check
still holds.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Iterable

from django.db.models import QuerySet

from donations.models import MaterialLot

from .catalogue import shipped_catalogue
from .engine import LotFacts


def lots_for_checks(lot_ids: Iterable[int]) -> QuerySet[MaterialLot]:
    """Lots with what ``lot_facts`` reads, in a fixed number of queries."""
    return (
        MaterialLot.objects.filter(pk__in=list(lot_ids))
        .select_related("standard")
        .prefetch_related("attachments")
    )


def lot_facts(lot: MaterialLot) -> LotFacts:
    """What the engine needs of a lot (attachments should be prefetched)."""
    known_kinds = shipped_catalogue().attachment_kinds
    return LotFacts(
        category=lot.category,
        standard=lot.standard.slug if lot.standard_id else None,
        manufacture_date=lot.manufactured_on,
        expiry_date=lot.expires_on,
        attachments=frozenset(a.kind for a in lot.attachments.all() if a.kind in known_kinds),
        manufacturer_whitelisted=lot.is_manufacturer_whitelisted,
        hs_code=lot.hs_code,
    )


def check_fingerprint(
    facts: LotFacts, *, country: str, export: dt.date, arrival: dt.date, version: str
) -> str:
    """A digest of every input of a check; a check whose inputs differ is stale."""
    payload = {
        "facts": [
            facts.category,
            facts.standard,
            str(facts.manufacture_date),
            str(facts.expiry_date),
            sorted(facts.attachments),
            facts.manufacturer_whitelisted,
            facts.hs_code,
        ],
        "country": country,
        "dates": [str(export), str(arrival)],
        "version": version,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
