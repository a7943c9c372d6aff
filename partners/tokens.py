"""Signed, expiring, single-use links that let an invited partner contact set a password.

The token carries the user's id and a digest of the password hash and last login, so it stops
working as soon as a password has been set (or the user has logged in), and after
``PARTNER_INVITE_MAX_AGE`` seconds in any case.
"""

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing

_SALT = "partners.invite"


def _state(user) -> str:
    material = f"{user.pk}:{user.password}:{user.last_login}:{user.is_active}"
    return hashlib.sha256(material.encode()).hexdigest()[:20]


def invite_token_make(user) -> str:
    return signing.dumps({"u": user.pk, "s": _state(user)}, salt=_SALT, compress=True)


def invite_token_user(token: str):
    """The user the token was made for, or None if it is forged, expired or already used."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=settings.PARTNER_INVITE_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a subclass
        return None
    user = get_user_model().objects.filter(pk=payload.get("u")).first()
    if user is None or _state(user) != payload.get("s"):
        return None
    return user
