"""A per-client-address rate limit kept in the shared cache (Redis when REDIS_URL is set).

One counter per scope and address, shared by the page view and the API, so a client cannot
double its allowance by switching between the two. Rates use DRF's notation (``"20/hour"``)
and are read from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` at call time.
"""

import functools
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_parse(rate: str) -> tuple[int, int]:
    """``"20/hour"`` → (20, 3600)."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period.strip()[0].lower()]


def rate_for(scope: str) -> str | None:
    return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(scope)


def client_address(request) -> str:
    """The client's address; X-Forwarded-For counts only behind as many proxies as configured."""
    proxies = settings.THROTTLE_TRUSTED_PROXIES
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def rate_limit_hit(*, scope: str, ident: str, rate: str | None = None) -> int | None:
    """Count one attempt; return None if it is allowed, else the seconds until it would be.

    Fixed windows: ``cache.add`` starts a window atomically and ``cache.incr`` is atomic in
    Redis and in the local-memory cache, so concurrent requests are all counted.
    """
    rate = rate or rate_for(scope)
    if not rate:
        return None
    limit, period = rate_parse(rate)
    now = int(time.time())
    window = now // period
    key = f"throttle:{scope}:{ident}:{window}"
    if cache.add(key, 1, timeout=period + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=period + 5)
            count = 1
    if count > limit:
        return max(1, (window + 1) * period - now)
    return None


def rate_limit(scope: str, *, template: str, methods=("POST",), when=None):
    """Decorate a Django view: over the rate for ``scope`` the answer is 429 with Retry-After.

    ``template`` renders the refusal (it gets ``retry_after``); ``when(request)`` may narrow
    which requests count (e.g. only the final submit button).
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods and (when is None or when(request)):
                wait = rate_limit_hit(scope=scope, ident=client_address(request))
                if wait is not None:
                    response = render(request, template, {"retry_after": wait}, status=429)
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class ClientAddressThrottle(BaseThrottle):
    """DRF throttle on the same counters.

    A viewset names the actions that count in ``throttle_scopes`` (``{"create": "offer_submit"}``),
    so its other actions (a coordinator accepting an offer) never use up the public quota; a
    plain view sets ``throttle_scope``. Only unsafe methods count, so reading stays free.
    """

    def allow_request(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        scopes = getattr(view, "throttle_scopes", None)
        if scopes is not None:
            scope = scopes.get(getattr(view, "action", None))
        else:
            scope = getattr(view, "throttle_scope", None)
        if not scope:
            return True
        self._wait = rate_limit_hit(scope=scope, ident=client_address(request))
        return self._wait is None

    def wait(self):
        return getattr(self, "_wait", None)
