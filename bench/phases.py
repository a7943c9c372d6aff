"""In-process phases of `make bench` (bench/run.py runs each in its own interpreter).

    python -m bench.phases prepare|compliance|pdf|outbox|static

Each prints one JSON line last. Settings come from the environment (bench.settings).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import URLPattern, URLResolver, get_resolver, resolve  # noqa: E402
from django.urls.exceptions import Resolver404  # noqa: E402

HOST = {"HTTP_HOST": "127.0.0.1"}
BENCH_USER = "bench-manager"


class PeakRSS:
    """Samples the process's resident memory every 20 ms; ``peak_mb`` and ``base_mb``."""

    def __init__(self):
        self.base_mb = self.peak_mb = self._now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _now() -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def _run(self):
        while not self._stop.wait(0.02):
            self.peak_mb = max(self.peak_mb, self._now())

    def __enter__(self):
        self.base_mb = self.peak_mb = self._now()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, self._now())


def _routes(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route


def dashboard_paths() -> list[str]:
    """Every /api/v1/dashboard/<name>/ the URL resolver knows, without path parameters."""
    paths = []
    for route in _routes(get_resolver().url_patterns):
        route = route.lstrip("^").rstrip("$")
        if route.startswith("api/v1/dashboard/") and "<" not in route and "(" not in route:
            paths.append("/" + route)
    return sorted(set(paths))


def staff_home() -> str:
    for path in ("/staff/",):
        try:
            resolve(path)
            return path
        except Resolver404:
            pass
    return "/staff/offers/"  # the review queue was the staff landing page before the dashboard


def bench_user():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from sfiec.roles import Role, roles_sync

    roles_sync()
    user, _created = get_user_model().objects.get_or_create(
        username=BENCH_USER, defaults={"is_staff": True, "email": "bench@example.org"}
    )
    user.groups.add(Group.objects.get(name=Role.MANAGER))
    token, _created = Token.objects.get_or_create(user=user)
    return user, token.key


def _session_for(user) -> str:
    """A signed-in session made directly (the login door's lockout records need a real request)."""
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    backend = next(
        b for b in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(b), "get_user")
    )
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


def count_queries(client: Client, path: str, **headers) -> tuple[int, int]:
    """Queries of one request with nothing cached (a cached list count would hide one)."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **HOST, **headers)
    return response.status_code, len(queries)


def prepare() -> dict:
    user, token = bench_user()
    session = _session_for(user)
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session
    endpoints = {
        "floor (cities)": ("/api/v1/cities/", "token"),
        "lots list": ("/api/v1/lots/?page_size=50", "token"),
        "shipments list": ("/api/v1/shipments/?page_size=50", "token"),
        "naive lots list": ("/bench/naive/lots/?page_size=50", "token"),
        "naive shipments list": ("/bench/naive/shipments/?page_size=50", "token"),
    }
    for path in dashboard_paths():
        endpoints["dashboard " + path.rstrip("/").rsplit("/", 1)[-1]] = (path, "token")
    endpoints["staff home " + staff_home()] = (staff_home(), "session")

    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    api = Client()
    queries = {}
    for name, (path, kind) in endpoints.items():
        if kind == "session":
            queries[name] = {"default": count_queries(client, path)}
        elif "list" in name:
            base = path.split("?")[0]
            queries[name] = {
                f"page_size={size}": count_queries(api, f"{base}?page_size={size}", **auth)
                for size in (10, 100)
            }
        else:
            queries[name] = {"default": count_queries(api, path, **auth)}
    return {
        "token": token,
        "session": session,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "endpoints": endpoints,
        "queries": queries,
    }


def compliance() -> dict:
    """Engine alone, then a rule-set edit and the re-check of every current check (rolled back).

    The edit is the service the admin's save calls (``rule_set_revise``); the re-check is the
    task it queues, run here in-process. Both run in one transaction that is rolled back, so a
    reused database measures the same next time; on PostgreSQL the foreign-key checks the
    re-check's commits would run are forced inside the timing (``SET CONSTRAINTS ALL
    IMMEDIATE``), and the checks and findings tables are vacuumed first (earlier rolled-back runs
    leave dead rows).
    The CPU seconds of this process and of its database backend are reported beside the wall
    time: on a shared machine the wall time is also what the other processes took.
    """
    from compliance import services
    from compliance.facts import lot_facts, lots_for_checks
    from compliance.models import ComplianceCheck, StoredFinding
    from compliance.selectors import rule_set_active
    from compliance.tasks import rule_set_recheck_task
    from donations.models import MaterialLot

    user, _token = bench_user()
    rule_set = rule_set_active()
    book = services.rulebook_for(rule_set)
    ids = list(MaterialLot.objects.order_by("pk").values_list("pk", flat=True)[:20_000])
    facts = [lot_facts(lot) for lot in lots_for_checks(ids)]
    export, arrival = services.default_dates()
    book.evaluate_many(facts[:100], country="IT", export_date=export, arrival_date=arrival)
    started = time.perf_counter()
    book.evaluate_many(facts, country="IT", export_date=export, arrival_date=arrival)
    engine_seconds = time.perf_counter() - started
    del facts

    current = ComplianceCheck.objects.filter(is_current=True).count()
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            for model in (ComplianceCheck, StoredFinding):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    backend = _backend_cpu() if postgres else None

    class Rollback(Exception):
        pass

    recheck = {}
    try:
        with transaction.atomic():
            rules = list(rule_set.rules)
            cpu_before, db_before = _process_cpu(), backend and backend()
            load_before = os.getloadavg()[0]
            with PeakRSS() as memory:
                started = time.perf_counter()
                new = services.rule_set_revise(
                    base=rule_set, rules=rules, actor=user, notes="Benchmark: an edit."
                )
                stored = rule_set_recheck_task.run(new.pk)
                if postgres:
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                seconds = time.perf_counter() - started
            recheck = {
                "current_checks": current,
                "rechecked": stored,
                "seconds": round(seconds, 2),
                "checks_per_s": round(stored / seconds, 1),
                "evaluations_per_s": round(stored / seconds, 1),  # one evaluation per check
                "rss_base_mb": round(memory.base_mb, 1),
                "rss_peak_mb": round(memory.peak_mb, 1),
                "python_cpu_s": round(_process_cpu() - cpu_before, 2),
                "database_cpu_s": round(backend() - db_before, 2) if backend else None,
                "load_average": round(max(load_before, os.getloadavg()[0]), 2),
            }
            raise Rollback
    except Rollback:
        pass  # the database stays as seeded, so a reused one measures the same next time
    return {
        "engine_evaluations": len(ids),
        "engine_seconds": round(engine_seconds, 3),
        "engine_evaluations_per_s": round(len(ids) / engine_seconds, 1),
        "recheck": recheck,
    }


def _process_cpu() -> float:
    times = os.times()
    return times.user + times.system


def _backend_cpu():
    """A function returning the CPU seconds of this connection's PostgreSQL backend, or None
    when the server is not on this machine (its /proc is not readable here)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    stat = Path(f"/proc/{pid}/stat")
    try:
        if Path(f"/proc/{pid}/comm").read_text().strip() != "postgres":
            return None  # another machine's process id
    except OSError:
        return None

    def cpu() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    return cpu


def pdf() -> dict:
    """Packing lists: one of about 100 pages against ten of about 10 (bench/documents.py, synthetic
    lines in fresh processes), and one real seeded shipment rendered from the database."""
    from django.db.models import Count

    from bench.documents import measure
    from shipments.documents import pack_inputs, render_pdf
    from shipments.models import Shipment

    figures = measure()
    shipment = (
        Shipment.objects.annotate(n=Count("lines")).order_by("-n", "pk").first()
        if Shipment.objects.exists()
        else None
    )
    if shipment is not None:
        render_pdf("packing_list", pack_inputs(shipment))  # fonts loaded, as in a worker
        started = time.perf_counter()
        inputs = pack_inputs(shipment)
        _pdf, pages = render_pdf("packing_list", inputs)
        figures["seeded_shipment"] = {
            "reference": shipment.reference,
            "lines": len(inputs["lines"]),
            "pages": pages,
            "seconds": round(time.perf_counter() - started, 3),
        }
    return figures


def static() -> dict:
    """collectstatic into STATIC_ROOT unless it already holds these sources, collected.

    The sources are every file the static finders find (the project's and the installed apps'),
    hashed by content with the storage settings, so an upgraded package or an edited file
    collects again and nothing else does.
    """
    import hashlib
    import shutil

    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    digest = hashlib.sha256(repr(settings.STORAGES).encode())
    digest.update(repr(getattr(settings, "WHITENOISE_SKIP_COMPRESS_EXTENSIONS", None)).encode())
    files = 0
    for finder in get_finders():
        for path, storage in sorted(finder.list([]), key=lambda item: item[0]):
            digest.update(path.encode())
            with storage.open(path) as handle:
                digest.update(hashlib.sha256(handle.read()).digest())
            files += 1
    mark = digest.hexdigest()
    root = Path(settings.STATIC_ROOT)
    stamp = root / ".bench-sources"
    started = time.perf_counter()
    if stamp.exists() and stamp.read_text() == mark and (root / "staticfiles.json").exists():
        return {"reused": True, "files": files, "seconds": 0.0, "root": str(root)}
    shutil.rmtree(root, ignore_errors=True)
    call_command("collectstatic", "--noinput", verbosity=0)
    stamp.write_text(mark)
    return {
        "reused": False,
        "files": files,
        "seconds": round(time.perf_counter() - started, 1),
        "root": str(root),
    }


def outbox() -> dict:
    from sfiec.outbox import outbox_enqueue
    from sfiec.tasks import __name__ as _  # noqa: F401

    task = _probe_task()
    n = 1000
    with transaction.atomic():
        outbox_enqueue(task, 0)
    started = time.perf_counter()
    for i in range(n):
        with transaction.atomic():
            outbox_enqueue(task, i)
    seconds = time.perf_counter() - started
    return {
        "enqueued": n,
        "seconds": round(seconds, 3),
        "per_s": round(n / seconds, 1),
        "broker": settings.CELERY_BROKER_URL.rsplit("@", 1)[-1],
        "note": "each in its own transaction, published on commit to a private redis-server",
    }


def _probe_task():
    """A real task of the project that must not be lost: the rule-set re-check (a no-op here)."""
    from compliance.tasks import rule_set_recheck_task

    return rule_set_recheck_task


if __name__ == "__main__":
    name = sys.argv[1]
    result = {
        "prepare": prepare,
        "compliance": compliance,
        "pdf": pdf,
        "outbox": outbox,
        "static": static,
    }[name]()
    print(json.dumps(result, default=str))
