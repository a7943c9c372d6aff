"""Personal API tokens: made, used and revoked here. Keys are never stored, only their hash."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import ApiToken
from sfiec.auth import account_usable
from sfiec.exceptions import DomainError

KEY_PREFIX = "sfiec_"
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def key_hash(key: str) -> str:
    """A token key is 256 random bits, so a plain SHA-256 is enough to store it safely."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(
    *, user, name: str, scope: str, carrier=None, days: int | None = None
) -> tuple[ApiToken, str]:
    """Make a token for ``user``; returns it and its key, which is never available again."""
    max_days = settings.API_TOKEN_MAX_AGE_DAYS
    days = max_days if days is None else days
    if not 1 <= days <= max_days:
        raise DomainError(_("A token lasts from 1 to %(max)d days.") % {"max": max_days})
    if scope not in ApiToken.Scope.values:
        raise DomainError(_("Unknown token scope."))
    if scope == ApiToken.Scope.TRACKING:
        if carrier is None or carrier.kind != "carrier":
            raise DomainError(_("A tracking token needs the carrier it reports for."))
    else:
        carrier = None
    if scope == ApiToken.Scope.TRACKING and hasattr(user, "partner_membership"):
        raise DomainError(_("Partners cannot make tracking tokens."))
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=key_hash(key),
        prefix=key[: len(KEY_PREFIX) + 6],
        scope=scope,
        carrier=carrier,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    return token, key


def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """The owner revokes a token; it stops working at once."""
    if token.user_id != actor.pk:
        raise DomainError(_("Only the token's owner may revoke it."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_list(*, user):
    return ApiToken.objects.filter(user=user).select_related("carrier")


def api_token_resolve(key: str) -> ApiToken | None:
    """The live token with this key (not revoked, not expired), or None."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user__partner_membership__organisation")
        .filter(key_hash=key_hash(key), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    # Like a password login: an inactive user or a deactivated organisation's partner is out.
    if token is None or not token.user.is_active or not account_usable(token.user):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
