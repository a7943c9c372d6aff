"""Signed, expiring links that let a recipient contact record a need without an account.

A link is bound to one sister city and one recipient organisation, and either to one need
(to correct it) or to a one-use nonce (to record one new need: the need keeps the nonce,
which is unique). It stops working after ``NEED_LINK_MAX_AGE_DAYS``. The city is also in the
URL, and a link is refused on another city's URL or for another need. It also stops working
once its contact is removed or moved to another organisation, or the organisation is deactivated.
"""

import secrets

from django.conf import settings
from django.core import signing

from partners.models import Contact

from .models import Need

_SALT = "donations.need_link"


class NeedLinkRefused(Exception):
    pass


def need_link_token(*, contact, city, need: Need | None = None) -> str:
    payload = {
        "c": city.pk,
        "o": contact.organisation_id,
        "k": contact.pk,
        "n": need.pk if need else None,
        "x": None if need else secrets.token_hex(8),
    }
    return signing.dumps(payload, salt=_SALT, compress=True)


def need_link_read(token: str, *, city, need_id: int | None = None) -> dict:
    """The link's claims, or NeedLinkRefused if it is forged, expired, for another city or
    another need, no longer held by a contact of an active recipient, or (for a new need)
    already used."""
    try:
        payload = signing.loads(
            token, salt=_SALT, max_age=settings.NEED_LINK_MAX_AGE_DAYS * 24 * 3600
        )
    except signing.SignatureExpired as error:
        raise NeedLinkRefused("expired") from error
    except signing.BadSignature as error:
        raise NeedLinkRefused("invalid") from error
    if payload.get("c") != city.pk:
        raise NeedLinkRefused("another city")
    if payload.get("n") != need_id:
        raise NeedLinkRefused("another need")
    if not Contact.objects.filter(
        pk=payload.get("k"), organisation_id=payload.get("o"), organisation__is_active=True
    ).exists():
        raise NeedLinkRefused("contact gone")
    if payload.get("x") and Need.objects.filter(link_nonce=payload["x"]).exists():
        raise NeedLinkRefused("used")
    return payload
