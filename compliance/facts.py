"""What a check is made of: a lot's facts for the engine and the fingerprint of its inputs.

Shared by the services that store checks and the selectors that judge whether a stored check
still holds.
"""

import datetime as dt
import hashlib
from collections.abc import Iterable
from json.encoder import encode_basestring_ascii

from django.db.models import QuerySet

from donations.models import Attachment, MaterialLot

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


# What ``lot_facts`` reads of a lot, as ``values_list`` fields (prefix them to reach a lot).
LOT_FACT_FIELDS = (
    "category",
    "standard__slug",
    "manufactured_on",
    "expires_on",
    "is_manufacturer_whitelisted",
    "hs_code",
)
_NO_ATTACHMENTS = frozenset()


def attachment_kinds(attachments: QuerySet[Attachment]) -> dict[int, frozenset[str]]:
    """The catalogued attachment kinds of the lots of ``attachments``, by lot id."""
    kinds: dict[int, set[str]] = {}
    known_kinds = list(shipped_catalogue().attachment_kinds)
    rows = attachments.filter(kind__in=known_kinds).order_by().values_list("lot_id", "kind")
    for lot_id, kind in rows:
        kinds.setdefault(lot_id, set()).add(kind)
    return {lot_id: frozenset(found) for lot_id, found in kinds.items()}


def lot_facts_of(values, attachments: frozenset[str] | None) -> LotFacts:
    """``lot_facts`` from a lot's ``LOT_FACT_FIELDS`` values and its attachment kinds."""
    category, standard, made, expires, whitelisted, hs_code = values
    return LotFacts(
        category=category,
        standard=standard,
        manufacture_date=made,
        expiry_date=expires,
        attachments=attachments or _NO_ATTACHMENTS,
        manufacturer_whitelisted=whitelisted,
        hs_code=hs_code,
    )


def lot_facts_many(lot_ids: Iterable[int]) -> dict[int, LotFacts]:
    """``lot_facts`` of many lots by id, read as plain values in two queries."""
    ids = list(lot_ids)
    kinds = attachment_kinds(Attachment.objects.filter(lot_id__in=ids))
    return {
        row[0]: lot_facts_of(row[1:], kinds.get(row[0]))
        for row in MaterialLot.objects.filter(pk__in=ids).values_list("pk", *LOT_FACT_FIELDS)
    }


def check_fingerprint(
    facts: LotFacts, *, country: str, export: dt.date, arrival: dt.date, version: str
) -> str:
    """A digest of every input of a check; a check whose inputs differ is stale.

    The SHA-256 of ``json.dumps(payload, sort_keys=True)`` for the payload
    ``{"facts": [category, standard, manufacture date, expiry date, sorted attachments,
    whitelisted, HS code], "country", "dates": [export, arrival], "version"}`` (dates as
    ``str``), written out directly: the re-check after a rule-set edit makes one per lot.
    """
    text = (
        f'{{"country": {_str(country)}, "dates": ["{export}", "{arrival}"], '
        f'"facts": [{_str(facts.category)}, {_str_or_null(facts.standard)}, '
        f'"{facts.manufacture_date}", "{facts.expiry_date}", '
        f"[{', '.join(map(_str, sorted(facts.attachments)))}], "
        f"{'true' if facts.manufacturer_whitelisted else 'false'}, "
        f'{_str_or_null(facts.hs_code)}], "version": {_str(version)}}}'
    )
    return hashlib.sha256(text.encode()).hexdigest()


_str = encode_basestring_ascii  # how json.dumps writes a str


def _str_or_null(value: str | None) -> str:
    return "null" if value is None else _str(value)
