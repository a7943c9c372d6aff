"""Tracking tokens: a carrier or partner system may push tracking events for one shipment.

A token is ``trk_`` followed by 40 random URL-safe characters; only its SHA-256 digest is
stored (a random secret of that length needs no slow hash), so a database leak gives nothing
away and the secret can be shown only once, when it is made.
"""

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sfiec.exceptions import DomainError

from .models import Shipment, TrackingToken

TOKEN_PREFIX = "trk_"
MAX_LIFETIME_DAYS = 180


def tracking_token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def tracking_token_create(
    *, shipment: Shipment, actor, label: str, valid_days: int
) -> tuple[TrackingToken, str]:
    """Make a token for ``shipment`` valid for ``valid_days``; return it and its secret.

    The secret is not stored: the caller shows it once and forgets it.
    """
    if not 1 <= valid_days <= MAX_LIFETIME_DAYS:
        raise DomainError(
            _("A tracking token lives between 1 and %(max)d days.") % {"max": MAX_LIFETIME_DAYS}
        )
    if shipment.status in (Shipment.Status.CLOSED, Shipment.Status.CANCELLED):
        raise DomainError(_("A closed or cancelled shipment has no more tracking to receive."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = TrackingToken(
        shipment=shipment,
        label=label.strip(),
        key_hash=tracking_token_digest(secret),
        prefix=secret[:10],
        expires_at=timezone.now() + dt.timedelta(days=valid_days),
        created_by=actor,
    )
    token.full_clean()
    token.save()
    return token, secret


def tracking_token_revoke(*, token: TrackingToken, actor) -> TrackingToken:
    """Revoke a token at once; revoking twice keeps the first time."""
    with transaction.atomic():
        locked = TrackingToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.revoked_by = actor
            locked.save(update_fields=["revoked_at", "revoked_by"])
    token.refresh_from_db()
    return token


def tracking_token_get(*, secret: str) -> TrackingToken | None:
    """The usable token with this secret, or None (unknown, tampered, expired or revoked)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        TrackingToken.objects.usable()
        .select_related("shipment")
        .filter(key_hash=tracking_token_digest(secret))
        .first()
    )
    if token is not None:
        # One cheap write per push; lets staff see which tokens are still in use.
        TrackingToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token
