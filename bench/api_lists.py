"""Benchmark the API lists (page size 50) against the cities list and the naive lists.

Run from the project root, on a scratch PostgreSQL database (it is migrated and, when it has
fewer lots than asked, seeded with bench.seed_scale; nothing is deleted):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> .venv/bin/python bench/api_lists.py

It starts gunicorn (2 workers, debug off, bench.settings: the naive lists of bench/urls.py; the
product's local-memory cache, as `make bench` has it for the lists, or with ``--dummy-cache``
none, so every count and role is read again) and loads each list in turn with wrk from a second
process (a Python thread-pool client if wrk is not installed), ``--rounds`` times. It prints
req/s and p50/p95 (the median round) and the ratios the issue asks for, each the median of the
ratios of one round's neighbouring loads: each list >= 0.35 of the cities list, and >= 5 times
its naive version.

``--before DIR`` also serves an earlier checkout of the project (``git archive <rev> | tar -x
-C DIR``) on the same database and loads its lists in the same run, between this version's, so
before and after are measured side by side.
"""

import argparse
import concurrent.futures
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %f %f %f %d %d\\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.errors.status, summary.requests))
end
"""
LISTS = {
    "cities": "/api/v1/cities/",
    "lots": "/api/v1/lots/?page_size=50",
    "shipments": "/api/v1/shipments/?page_size=50",
}
NAIVE = {
    "naive lots": "/bench/naive/lots/?page_size=50",
    "naive shipments": "/bench/naive/shipments/?page_size=50",
}
FLOOR_RATIO, NAIVE_RATIO = 0.35, 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1, help="load every list this many times")
    parser.add_argument("--dummy-cache", action="store_true", help="no cache at all")
    parser.add_argument("--before", type=Path, help="an earlier checkout to serve beside this one")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database.")

    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BENCH_CACHE": "none" if args.dummy_cache else "1",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="sfiec-bench-"),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        # One PostgreSQL backend per worker for the whole run, so its processor time is counted.
        "DATABASE_CONN_MAX_AGE": "3600",
    }
    env.pop("REDIS_URL", None)
    os.environ.update(env)
    import django

    django.setup()
    headers = {"Authorization": f"Bearer {seed(args.lots)}"}

    servers = {"": serve(ROOT, env)}
    targets = {name: ("", path) for name, path in {**LISTS, **NAIVE}.items()}
    if args.before:
        servers["before "] = serve(args.before.resolve(), env)
        targets.update({f"before {name}": ("before ", path) for name, path in LISTS.items()})
    runs = {name: [] for name in targets}
    try:
        for server, path in targets.values():
            url = servers[server][1] + path
            wait_up(url, headers)
            for _ in range(20):  # warm both workers
                get(url, headers)
        for _round in range(args.rounds):
            for name, (server, path) in targets.items():
                process, base = servers[server]
                cpu = server_cpu_seconds(process.pid)
                rps, p50, p95, bad, requests = load(base + path, headers, args)
                cpu = server_cpu_seconds(process.pid) - cpu
                cpu_ms = cpu * 1000 / requests if requests else 0.0
                runs[name].append(Run(rps, p50, p95, bad, cpu_ms))
    finally:
        for process, _base in servers.values():
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
    report(runs, servers, args)


class Run(NamedTuple):
    rps: float
    p50: float
    p95: float
    bad: int
    cpu_ms: float  # gunicorn's and PostgreSQL's processor time per request


def report(runs: dict, servers: dict, args) -> None:
    tool = "wrk" if shutil.which("wrk") else "python thread pool"
    print(
        f"{args.lots} lots, gunicorn 2 workers, {args.connections} connections, "
        f"{args.seconds}s x {args.rounds} rounds, {tool}, "
        f"cache {'dummy' if args.dummy_cache else 'local memory'}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'list':<22}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'non-2xx':>9}{'CPU ms/req':>12}")
    for name, r in runs.items():
        middle = statistics.median(x.rps for x in r)
        m = min(r, key=lambda run, middle=middle: abs(run.rps - middle))
        cpu = statistics.median(x.cpu_ms for x in r)
        bad = sum(x.bad for x in r)
        print(f"{name:<22}{m.rps:>9.1f}{m.p50:>9.1f}{m.p95:>9.1f}{bad:>9}{cpu:>12.2f}")

    def ratios(name, of):
        """Medians over the rounds of req/s ÷ req/s and of CPU per request (of) ÷ (name)."""
        pairs = [(a, b) for a, b in zip(runs[name], runs[of], strict=True) if a.rps and b.rps]
        if not pairs:  # a load that served nothing (a stalled machine): no figure
            return float("nan"), float("nan")
        return (
            statistics.median(a.rps / b.rps for a, b in pairs),
            statistics.median(b.cpu_ms / a.cpu_ms for a, b in pairs),
        )

    print("ratios: measured req/s, and (in brackets) requests per processor second")
    for prefix in servers:
        for kind in ("lots", "shipments"):
            rps, cpu = ratios(prefix + kind, prefix + "cities")
            line = f"{prefix}{kind} / cities = {rps:.2f} ({cpu:.2f}), target >= {FLOOR_RATIO}"
            if f"naive {kind}" in runs:
                rps, cpu = ratios(prefix + kind, f"naive {kind}")
                line += f";  / naive = {rps:.1f} ({cpu:.1f}), target >= {NAIVE_RATIO}"
            print(line)


def server_cpu_seconds(master: int) -> float:
    """Processor time so far of a gunicorn master, its workers, and every PostgreSQL backend
    of the benchmark database (a busy neighbour on the machine does not count)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = {row[0] for row in cursor.fetchall()}
    pids.add(master)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat_fields(stat)
        if fields and int(fields[1]) == master:  # the master's workers
            pids.add(int(stat.parent.name))
    ticks = 0
    for pid in pids:
        fields = _stat_fields(Path(f"/proc/{pid}/stat"))
        if fields:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _stat_fields(path: Path) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (state, ppid, ...)."""
    try:
        return path.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def seed(count: int) -> str:
    """Migrate, seed bench.seed_scale's data set if there are fewer than ``count`` lots, and
    return a read-only API token of a staff viewer."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from bench.seed_scale import Sizes
    from bench.seed_scale import seed as seed_scale
    from donations.models import MaterialLot
    from partners.api_tokens import api_token_create
    from sfiec.roles import Role, roles_sync

    call_command("migrate", verbosity=0)
    roles_sync()
    if MaterialLot.objects.count() < count:
        seed_scale(Sizes.scaled(count / Sizes.national().lots))
        # As autovacuum soon would: without a visibility map a COUNT(*) reads the whole table.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    user, _ = get_user_model().objects.get_or_create(username="bench-viewer", is_staff=True)
    user.groups.add(Group.objects.get(name=Role.VIEWER))
    _token, key = api_token_create(user=user, name="bench", scope="read_only", days=1)
    return key


def serve(folder: Path, env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "sfiec.wsgi", "-w", "2"]
    command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    process = subprocess.Popen(
        command,
        cwd=folder,
        env={**env, "PYTHONPATH": str(folder)},
        start_new_session=True,
    )
    return process, f"http://127.0.0.1:{port}"


def load(url, headers, args):
    if shutil.which("wrk"):
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA)
        command = ["wrk", "-t", "2", "-c", str(args.connections), "-d", f"{args.seconds}s"]
        command += ["--timeout", "30s", "-s", script.name, url]
        for name, value in headers.items():
            command[1:1] = ["-H", f"{name}: {value}"]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        rps, p50, p95, bad, total = re.search(
            r"RESULT (\S+) (\S+) (\S+) (\d+) (\d+)", output
        ).groups()
        return float(rps), float(p50), float(p95), int(bad), int(total)
    return load_with_threads(url, headers, args)


def load_with_threads(url, headers, args):
    deadline = time.monotonic() + args.seconds
    times, bad = [], 0

    def worker():
        nonlocal bad
        while time.monotonic() < deadline:
            start = time.perf_counter()
            status = get(url, headers)
            times.append((time.perf_counter() - start) * 1000)
            bad += status >= 300

    with concurrent.futures.ThreadPoolExecutor(args.connections) as pool:
        for _ in range(args.connections):
            pool.submit(worker)
    times.sort()
    p50, p95 = statistics.median(times), times[int(len(times) * 0.95)]
    return len(times) / args.seconds, p50, p95, bad, len(times)


def get(url, headers) -> int:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_up(url, headers):
    for _ in range(100):
        try:
            status = get(url, headers)
        except OSError:
            time.sleep(0.2)
            continue
        if status != 200:
            sys.exit(f"{url} answered {status}")
        return
    sys.exit("gunicorn did not start")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    main()
