from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sfiec.roles import user_is_staff_member


@require_GET
@never_cache
def healthz(request):
    """Public liveness probe: the database and, when configured, Redis. 503 if any is down."""
    checks = {"database": _probe(lambda: connection.cursor().execute("SELECT 1"))}
    if settings.REDIS_URL:
        import redis

        checks["redis"] = _probe(
            lambda: redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
        )
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


def _probe(call) -> str:
    try:
        call()
    except Exception as error:  # noqa: BLE001 - any failure means the dependency is down
        return f"error: {type(error).__name__}"
    return "ok"


@require_GET
def home(request):
    """The landing page: what sfiec is, and the doors for each kind of user.

    Staff land on their dashboard instead (also after logging in)."""
    if user_is_staff_member(request.user):
        return redirect("dashboard:home")
    return render(request, "home.html")


@require_GET
def login_landing(request):
    """Where a login without ``next`` lands: partners on their offers, everyone else home."""
    if request.user.is_authenticated and hasattr(request.user, "partner_membership"):
        return redirect("donations:partner-offer-list")
    return redirect("home")
